#!/usr/bin/env bash
# Validates the shipped Prometheus rules (etc/prometheus/authcorrd-rules.yml) with promtool: the
# file must load (`promtool check rules`: syntax, PromQL, templates, no duplicate rules) and its
# unit tests must pass (`promtool test rules`: every recording rule's value, every alerting rule
# firing and not firing). Run by ctest as prometheus_rules.
# Usage: check_rules.sh [REPO_ROOT]   (default: two levels up from this script)
set -euo pipefail

root="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
rules="$root/etc/prometheus/authcorrd-rules.yml"
tests="$root/tests/prometheus/authcorrd-rules.test.yml"

if ! command -v promtool >/dev/null 2>&1; then
  echo "check_rules: promtool not found (Debian package prometheus; run scripts/setup)" >&2
  exit 1
fi

promtool check rules "$rules"
# promtool resolves rule_files relative to the test file, so the run works from any directory.
promtool test rules "$tests"
