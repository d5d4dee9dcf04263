#!/usr/bin/env bash
# Checks deploy/systemd/snipool.service with systemd-analyze verify, which also wants the commands it names to
# exist: a copy points them at this checkout's bin/snipool. Any complaint (an unknown key, say) fails the check.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed "s#/opt/snipool/bin/snipool#$root/bin/snipool#g" "$root/deploy/systemd/snipool.service" > "$tmp/snipool.service"
out=$(systemd-analyze verify "$tmp/snipool.service" 2>&1) || { echo "$out" >&2; exit 1; }
if [ -n "$out" ]; then
  echo "$out" >&2
  exit 1
fi
echo "deploy/systemd/snipool.service: systemd-analyze verify passed"
