#!/usr/bin/env bash
# The repository stands alone: code, tests, scripts, the template and the documents cite
# the repository's own documents (docs/), never the specification the rewrite started
# from — its file names, its "§" section numbers, or its bug (B12) and endpoint (E12)
# numbers. Fails listing every such citation.
set -euo pipefail
cd "$(dirname "$0")/.."

# A bug or endpoint number is a B or E and one or two digits standing as a word, not
# part of a percent-escape such as %B6 or %E2.
pattern='\.\./shared|KNOWN_BUGS|SESSIONS_AND_LOGIN|API\.md|SCHEMA\.md|DESIGN\.md|STYLE\.md|§ ?[0-9]|(^|[^%[:alnum:]_])[BE][0-9]{1,2}\b'
paths=(shared functions tests .ci events template.yaml README.md docs)

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  # Tracked and new (not ignored) text files; -I skips binary files such as images.
  found=$(git grep --untracked -nIE "$pattern" -- "${paths[@]}" \
    ':!.ci/standalone.sh' ':!.ci/advisory-db' || true)
else
  existing=()
  for p in "${paths[@]}"; do [ -e "$p" ] && existing+=("$p"); done
  found=$(grep -rnIE "$pattern" "${existing[@]}" \
    --exclude=standalone.sh --exclude-dir=advisory-db --exclude-dir=target || true)
fi

if [ -n "$found" ]; then
  echo "standalone: citations of documents outside the repository (cite docs/ instead):"
  echo "$found"
  exit 1
fi
echo "standalone: no outside citations"
