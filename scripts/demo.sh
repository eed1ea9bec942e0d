#!/usr/bin/env bash
# The main job on one machine: a collector on the embedded database plus an
# agent watching a demo node root with a manifest it builds itself. Leave it
# running, change a file under the root, and watch the node get flagged.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
ensure_rust
command -v curl >/dev/null || apt_install curl

release_build
bin=$PWD/target/release
demo=${PLUMB_DEMO_DIR:-/tmp/plumb-demo}
grpc=${PLUMB_GRPC:-127.0.0.1:7400}
http=${PLUMB_HTTP:-127.0.0.1:7480}
rm -rf "$demo" && mkdir -p "$demo"
root=$demo/root

cargo run -q --release --locked -p plumb-agent --features test-support --example demo_root -- "$root" >/dev/null
# The demo root is not what runs on this machine: no runtime checks.
"$bin/plumb-agent" manifest build --root "$root" --image-id demo-image-1 --no-runtime -o "$demo/manifest.pb" >/dev/null

pki=$demo/pki
"$bin/plumbctl" pki init --dir "$pki" >/dev/null
token=$("$bin/plumb-collector" token create --role admin --name demo --data-dir "$demo/collector")
echo "$token" >"$demo/admin.token" && chmod 600 "$demo/admin.token"
export PLUMB_CA=$pki/ca.pem PLUMB_TOKEN_FILE=$demo/admin.token PLUMB_COLLECTOR=https://$grpc

"$bin/plumb-collector" serve --grpc "$grpc" --http "$http" --data-dir "$demo/collector" \
  --tls-cert "$pki/collector.pem" --tls-key "$pki/collector.key" --client-ca "$pki/ca.pem" \
  --enroll-ca-cert "$pki/ca.pem" --enroll-ca-key "$pki/ca.key" >"$demo/collector.log" 2>&1 &
collector=$!
agent=""
trap 'kill $collector $agent 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 1 50); do curl -fs --cacert "$pki/ca.pem" "https://$http/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
"$bin/plumbctl" manifest push "$demo/manifest.pb"
enroll=$("$bin/plumbctl" enroll create --image demo-image-1 --ttl 10m)

# The agent enrolls on first start: its key never leaves its state dir.
PLUMB_ENROLL_TOKEN=$enroll "$bin/plumb-agent" run --collector "https://$grpc" --ca "$pki/ca.pem" \
  --image-id demo-image-1 --node-id demo-node-1 \
  --root "$root" --state-dir "$demo/agent-state" --heartbeat 5s >"$demo/agent.log" 2>&1 &
agent=$!
sleep 2
"$bin/plumbctl" nodes

cat <<MSG

plumb is running over TLS: collector on $grpc (gRPC, agents authenticate
with node certificates) and https://$http (dashboard, REST; CA $pki/ca.pem),
agent watching $root (enrolled with a one-time token).

Drift the node, e.g.:
  echo patched >> $root/usr/bin/ls               # hot-patched binary: flagged
  chmod 4755 $root/usr/local/bin/deploy          # setuid bit: flagged
  echo hello > $root/etc/motd                    # config change: drifted
Then look (plumbctl reads PLUMB_CA and PLUMB_TOKEN_FILE):
  export PLUMB_CA=$pki/ca.pem PLUMB_TOKEN_FILE=$demo/admin.token PLUMB_COLLECTOR=https://$grpc
  $bin/plumbctl nodes
  $bin/plumbctl node demo-node-1
  $bin/plumbctl flags watch
  open https://$http/ (dashboard; trust $pki/ca.pem, log in with the token in $demo/admin.token)
Logs: $demo/collector.log, $demo/agent.log. Ctrl-C stops both.
MSG
wait $collector
