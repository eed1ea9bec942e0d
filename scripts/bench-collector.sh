#!/usr/bin/env bash
# Collector benchmarks: a real collector (release build, embedded SQLite)
# and the fleet load generator (real gRPC clients) on loopback. Prints
# connected streams, heartbeats/s, deviations ingested/s and REST query
# latency under that load; plus the store alone (examples/store_bench.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
ensure_rust
command -v curl >/dev/null || apt_install curl
AGENTS=${AGENTS:-10000}
SECONDS_LOAD=${SECONDS_LOAD:-15}

release_build --example fleet_load --example store_bench >/dev/null
work=$(mktemp -d /tmp/plumb-bench-collector.XXXXXX)
grpc=127.0.0.1:$((20000 + RANDOM % 10000))
http=127.0.0.1:$((30000 + RANDOM % 10000))
# One TLS connection (and file descriptor) per agent on each side.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
# TLS and authentication on, as in production: a development CA, an admin
# token, node certificates issued by the load generator.
target/release/plumbctl pki init --dir "$work/pki" >/dev/null
token=$(target/release/plumb-collector token create --role read --name bench --data-dir "$work")
target/release/plumb-collector serve --data-dir "$work" --grpc "$grpc" --http "$http" \
  --tls-cert "$work/pki/collector.pem" --tls-key "$work/pki/collector.key" --client-ca "$work/pki/ca.pem" \
  >"$work/collector.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 50); do curl -fs --cacert "$work/pki/ca.pem" "https://$http/readyz" >/dev/null 2>&1 && break; sleep 0.2; done

echo "== store alone (SQLite, 100 batches x 500 deviations per transaction)"
target/release/examples/store_bench | tail -n 2
echo "== fleet over mTLS: $AGENTS simulated agents (one TLS connection and certificate each), 10 s heartbeats, 100 of them ingesting"
target/release/examples/fleet_load --collector "https://$grpc" --http "https://$http" \
  --ca-dir "$work/pki" --token "$token" \
  --agents "$AGENTS" --connections 100 --heartbeat 10 --ingesters 100 --batch 500 \
  --seconds "$SECONDS_LOAD" --queries 300
echo "collector RSS: $(( $(ps -o rss= -p $pid) / 1024 )) MB"
