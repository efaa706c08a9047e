#!/usr/bin/env bash
# Packaging gate: the SAM template validates and lints (sam validate --lint, cfn-lint), and
# every function of the template builds for arm64 / provided.al2023. Prints each bootstrap's
# size. Uses `sam build` (cargo-lambda in-process, no Docker) when every function crate the
# template names exists; otherwise builds the ones that exist with cargo lambda and fails,
# naming the missing ones. Build output reuses $CARGO_TARGET_DIR (outside the clone).
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/tools.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/muistot/target}"

echo "== sam validate --lint"
sam validate --lint
echo "== cfn-lint"
cfn-lint template.yaml

# "Logical id  binary" of every function the template builds.
mapfile -t functions < <(awk '
  /^  [A-Za-z0-9]+:$/ { id = $1; sub(":", "", id) }
  /^        Binary: / { print id, $2 }' template.yaml)
present=() missing=()
for f in "${functions[@]}"; do
  bin="${f#* }"
  if [ -f "functions/$bin/Cargo.toml" ]; then present+=("$f"); else missing+=("$bin"); fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "== sam build (rust-cargolambda, arm64, ${#present[@]} functions)"
  sam build --cached --parallel
  artifact() { echo ".aws-sam/build/${1%% *}/bootstrap"; }
else
  echo "== cargo lambda build --release --arm64 (${#present[@]} functions; missing: ${missing[*]})"
  args=()
  for f in "${present[@]}"; do args+=(--bin "${f#* }"); done
  cargo lambda build --release --arm64 --locked "${args[@]}"
  artifact() { echo "$CARGO_TARGET_DIR/lambda/${1#* }/bootstrap"; }
fi

# Each function must link its own group's routes and the stores its crate's features name
# (functions/<bin>/Cargo.toml), and nothing else: the library logs a `muistot-routes:<group>`
# or `muistot-store:<name>` literal where a router or store is built, so the literal is in
# a binary exactly when that code is (shared/src/telemetry.rs, `link_mark!`). Sizes are
# bounded too (README, "Size and cold start"; the goal was at most 10 MiB without mail or
# images and 13 MiB for any function): with the release profile of Cargo.toml (opt-level
# "s", fat LTO, one codegen unit, unwinding) and no aws-config, a function without mail or
# images (DynamoDB client only) measured at most 9.2 MiB (`me`; `common` 9.1), so its
# bound is 10 MiB; one with the S3 or SES client at most 9.5 MiB (`projects`), bound
# 11 MiB: one MiB more per AWS client beyond DynamoDB, so `me`, which links both (account
# export and deletion), is bounded at 12 MiB. A function that outgrows its bound has gained
# a dependency or lost a profile setting.
echo "== arm64 bootstraps: size (zipped = what Lambda stores), linked groups and stores"
failed=0
for f in "${present[@]}"; do
  file="$(artifact "$f")"
  bin="${f#* }"
  python3 - "$file" "$bin" "functions/$bin/Cargo.toml" <<'PY' || failed=1
import io, os, re, sys, zipfile
path, name, manifest = sys.argv[1:4]
data = open(path, "rb").read()
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
    z.write(path, "bootstrap")
arch = "arm64" if data[:4] == b"\x7fELF" and data[18:20] == b"\xb7\x00" else "NOT arm64"
size = len(data) / 2**20
marks = sorted({m.decode() for m in re.findall(rb"muistot-(?:routes|store):[a-z0-9]+(?=;)", data)})
features = re.search(r'muistot = \{[^}]*features = \[([^\]]*)\]', open(manifest).read())
stores = re.findall(r'"([a-z0-9-]+)"', features.group(1)) if features else []
groups = [] if name == "migrate" else [name]
want = sorted([f"muistot-routes:{g}" for g in groups] + [f"muistot-store:{s}" for s in stores])
bound = 10 + len({"ses", "s3"} & set(stores))
print(f"{name:10} {size:6.2f} MiB  zipped {len(buf.getvalue())/2**20:5.2f} MiB  {arch}  "
      f"links: {' '.join(m.split('-', 1)[1] for m in marks) or '-'}")
problems = []
if arch != "arm64":
    problems.append("not an aarch64 ELF")
if marks != want:
    problems.append(f"links {marks}, expected {want}")
if size > bound:
    problems.append(f"{size:.2f} MiB is over its bound of {bound} MiB")
if problems:
    sys.exit(f"packaging: {name}: " + "; ".join(problems))
PY
done
[ "$failed" -eq 0 ] || exit 1

if [ ${#missing[@]} -gt 0 ]; then
  echo "packaging: template.yaml builds functions that have no crate yet: ${missing[*]}" >&2
  exit 1
fi
echo "packaging: ok"
