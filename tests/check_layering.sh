#!/usr/bin/env bash
# Fails when correlator/ includes anything outside the C++ standard library or reads a clock.
# The correlator is pure: time is a parameter, I/O belongs to daemon/ and sinks/.
set -euo pipefail
dir=${1:?usage: check_layering.sh CORRELATOR_DIR}
status=0

# Project headers are allowed only from correlator/ itself; system headers only from the
# standard library (no ".h" C headers other than the <cxxx> forms, no third-party paths).
while IFS= read -r line; do
  file=${line%%:*}
  header=$(sed -E 's/.*#include[[:space:]]*[<"]([^>"]+)[>"].*/\1/' <<<"$line")
  case "$header" in
    correlator/*) ;;
    *[/.]*) echo "layering: $file includes <$header>, which is not the standard library"; status=1 ;;
    *) ;;
  esac
done < <(grep -HnE '^[[:space:]]*#[[:space:]]*include' "$dir"/*.hpp "$dir"/*.cpp)

if grep -nE '(system_clock|steady_clock|high_resolution_clock|utc_clock|file_clock)::now|\btime\(|gettimeofday|clock_gettime|std::rand|random_device|getenv|fopen|std::ifstream|std::ofstream|std::cout|std::cerr|printf' \
    "$dir"/*.hpp "$dir"/*.cpp; then
  echo "layering: correlator/ reads a clock, randomness, the environment or does I/O (above)"
  status=1
fi

if grep -nE 'target_link_libraries\(correlator[^)]*(simdjson|fmt|OpenSSL|Boost|SQLite|prometheus|toml|systemd)' \
    "$dir"/CMakeLists.txt; then
  echo "layering: correlator links a third-party library"
  status=1
fi
[ "$status" -eq 0 ] && echo "layering: correlator/ uses the standard library only"
exit "$status"
