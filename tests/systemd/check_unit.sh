#!/usr/bin/env bash
# The systemd unit: `systemd-analyze verify` passes and `systemd-analyze security --offline=yes`
# rates its exposure at 2.0 or lower (issue: hardened service). verify checks that the
# executables exist, so it runs on a copy whose /usr/bin/authcorrd is the binary under test.
#   check_unit.sh <unit file> <authcorrd binary>
set -euo pipefail
unit=$1
binary=$(realpath "$2")
limit=2.0

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed "s|/usr/bin/authcorrd|$binary|g" "$unit" >"$work/authcorrd.service"

if ! output=$(systemd-analyze verify "$work/authcorrd.service" 2>&1); then
  echo "FAIL: systemd-analyze verify:"; echo "$output"; exit 1
fi
# verify prints problems it does not count as failures (unknown keys, bad values): none allowed.
if [ -n "$output" ]; then
  echo "FAIL: systemd-analyze verify printed:"; echo "$output"; exit 1
fi
echo "ok: systemd-analyze verify"

report=$(systemd-analyze security --offline=yes "$work/authcorrd.service" 2>&1)
exposure=$(sed -n 's/.*Overall exposure level for authcorrd.service: \([0-9.]*\).*/\1/p' <<<"$report")
if [ -z "$exposure" ]; then
  echo "FAIL: no exposure level in:"; echo "$report"; exit 1
fi
if awk -v e="$exposure" -v l="$limit" 'BEGIN { exit !(e > l) }'; then
  echo "FAIL: exposure $exposure is above $limit; the checks that cost points:"
  grep -E '^✗' <<<"$report" || true
  exit 1
fi
echo "ok: exposure $exposure (limit $limit)"
