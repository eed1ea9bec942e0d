#!/usr/bin/env bash
# What a flood of bad enrollment tokens costs a real collector (release
# build, embedded SQLite, TLS) beside real enrollments, in one run:
# collector CPU per request, from /proc, and the ratio to a real
# enrollment (collector/examples/enroll_flood.rs). Loopback only: each
# client is one address of 127.0.0.0/8.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
ensure_rust
command -v curl >/dev/null || apt_install curl
VALID=${VALID:-300}
SOURCES=${SOURCES:-200}
PER_SOURCE=${PER_SOURCE:-50}

release_build --example enroll_flood >/dev/null
collector=$PWD/target/release/plumb-collector
plumbctl=$PWD/target/release/plumbctl
work=$(mktemp -d /tmp/plumb-bench-enroll.XXXXXX)
source scripts/lib/collector.sh
trap 'kill ${cpid:-0} 2>/dev/null || true; rm -rf "$work"' EXIT
start_collector
token=$("$plumbctl" enroll create --image bench-image --ttl 10m --uses "$VALID")
echo "== enrollment flood: $VALID real enrollments, then $SOURCES sources sending bad tokens (valid CSRs)"
target/release/examples/enroll_flood --collector "https://$grpc" --ca "$work/pki/ca.pem" \
  --pid "$cpid" --token "$token" --image bench-image \
  --valid "$VALID" --sources "$SOURCES" --per-source "$PER_SOURCE"
