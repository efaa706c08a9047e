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

echo "== arm64 bootstrap sizes (zipped = what Lambda stores)"
for f in "${present[@]}"; do
  file="$(artifact "$f")"
  python3 - "$file" "${f#* }" <<'PY'
import io, os, sys, zipfile
path, name = sys.argv[1], sys.argv[2]
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
    z.write(path, "bootstrap")
head = open(path, "rb").read(20)
arch = "arm64" if head[:4] == b"\x7fELF" and head[18:20] == b"\xb7\x00" else "NOT arm64"
print(f"{name:10} {os.path.getsize(path)/2**20:6.2f} MiB  zipped {len(buf.getvalue())/2**20:5.2f} MiB  {arch}")
if arch != "arm64":
    sys.exit(f"{path} is not an aarch64 ELF")
PY
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "packaging: template.yaml builds functions that have no crate yet: ${missing[*]}" >&2
  exit 1
fi
echo "packaging: ok"
