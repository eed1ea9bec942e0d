#!/usr/bin/env bash
# Patch posture at fleet size, the store alone (collector/examples/
# posture_bench.rs): 200 images of 1,500 packages, 100,000 nodes, 50,000
# OSV advisories imported; then the exposure of the whole fleet and the
# p99 of `exposure --advisory` and of a package query. On SQLite, then on
# PostgreSQL. IMAGES, PACKAGES, NODES, RECORDS, QUERIES change the sizes.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
ensure_rust
ensure_postgres
release_build --example posture_bench >/dev/null
pg_admin=${PLUMB_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/test}
db="plumb_bench_posture_$$"
trap 'psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true' EXIT
echo "== SQLite"
target/release/examples/posture_bench
echo "== PostgreSQL"
psql -q "$pg_admin" -c "CREATE DATABASE $db" >/dev/null
target/release/examples/posture_bench "${pg_admin%/*}/$db"
