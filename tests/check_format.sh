#!/usr/bin/env bash
# Fails when a C++ file differs from the checked-in .clang-format.
set -euo pipefail
root=${1:?usage: check_format.sh REPO_ROOT}
cd "$root"
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' 2>/dev/null || find . -name '*.cpp' -o -name '*.hpp')
[ "${#files[@]}" -gt 0 ] || { echo "no C++ files found"; exit 1; }
clang-format --dry-run --Werror "${files[@]}"
echo "format: ${#files[@]} files match .clang-format"
