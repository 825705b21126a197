#!/usr/bin/env bash
# Every .json and .jsonl file under the Auth0 fixtures parses with zero errors through
# `authcorrd replay --strict --format auth0`.
set -euo pipefail
binary=${1:?usage: check_fixtures_strict.sh AUTHCORRD FIXTURES_DIR}
fixtures=${2:?usage: check_fixtures_strict.sh AUTHCORRD FIXTURES_DIR}
count=0
while IFS= read -r -d '' file; do
  if ! "$binary" replay --strict --format auth0 "$file" >/dev/null; then
    echo "FAIL: $file does not parse strictly"
    exit 1
  fi
  count=$((count + 1))
done < <(find "$fixtures" -type f \( -name '*.json' -o -name '*.jsonl' \) -print0)
[ "$count" -gt 0 ] || { echo "FAIL: no fixture files under $fixtures"; exit 1; }
echo "$count fixture files parsed strictly with zero errors"
