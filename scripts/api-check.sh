#!/usr/bin/env bash
# Runs schemathesis (from PyPI) against the REST API's own OpenAPI spec: a
# collector with TLS and an admin token on loopback, every route generated
# against, every status and schema checked. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
ensure_rust
ensure_python_tool schemathesis
cargo build --locked -q -p plumb-collector --bins
work=$(mktemp -d /tmp/plumb-api-check.XXXXXX)
bin=target/debug
"$bin/plumbctl" pki init --dir "$work/pki" >/dev/null
token=$("$bin/plumb-collector" token create --role admin --name api-check --data-dir "$work/db")
port=$((20000 + RANDOM % 10000))
"$bin/plumb-collector" serve --grpc "127.0.0.1:$((port + 1))" --http "127.0.0.1:$port" --data-dir "$work/db" \
  --tls-cert "$work/pki/collector.pem" --tls-key "$work/pki/collector.key" --client-ca "$work/pki/ca.pem" \
  >"$work/collector.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 50); do curl -fs --cacert "$work/pki/ca.pem" "https://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
schemathesis run "https://127.0.0.1:$port/api/v1/openapi.yaml" --url "https://127.0.0.1:$port" \
  -H "Authorization: Bearer $token" --tls-verify "$work/pki/ca.pem" --max-examples "${EXAMPLES:-50}"
