#!/usr/bin/env bash
# The main job on one machine: a collector on the embedded database plus an
# agent watching a demo node root with a manifest it builds itself. Leave it
# running, change a file under the root, and watch the node get flagged.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
ensure_rust
command -v curl >/dev/null || apt_install curl

cargo build --release --locked -p plumb-agent -p plumb-collector --bins
bin=$PWD/target/release
demo=${PLUMB_DEMO_DIR:-/tmp/plumb-demo}
grpc=${PLUMB_GRPC:-127.0.0.1:7400}
http=${PLUMB_HTTP:-127.0.0.1:7480}
rm -rf "$demo" && mkdir -p "$demo"
root=$demo/root

"$bin/plumb-agent" demo-root "$root" >/dev/null
"$bin/plumb-agent" manifest build --root "$root" --image-id demo-image-1 -o "$demo/manifest.pb" >/dev/null

"$bin/plumb-collector" serve --grpc "$grpc" --http "$http" --data-dir "$demo/collector" >"$demo/collector.log" 2>&1 &
collector=$!
agent=""
trap 'kill $collector $agent 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 1 50); do curl -fs "http://$http/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
"$bin/plumbctl" --collector "http://$grpc" manifest push "$demo/manifest.pb"

"$bin/plumb-agent" run --collector "http://$grpc" --image-id demo-image-1 --node-id demo-node-1 \
  --root "$root" --state-dir "$demo/agent-state" --heartbeat 5s >"$demo/agent.log" 2>&1 &
agent=$!
sleep 2
"$bin/plumbctl" --collector "http://$grpc" nodes

cat <<MSG

plumb is running: collector on $grpc (gRPC) and http://$http (dashboard, REST),
agent watching $root.

Drift the node, e.g.:
  echo patched >> $root/usr/bin/ls               # hot-patched binary: flagged
  chmod 4755 $root/usr/local/bin/deploy          # setuid bit: flagged
  echo hello > $root/etc/motd                    # config change: drifted
Then look:
  $bin/plumbctl --collector http://$grpc nodes
  $bin/plumbctl --collector http://$grpc node demo-node-1
  $bin/plumbctl --collector http://$grpc flags watch
  open http://$http/  (dashboard)
Logs: $demo/collector.log, $demo/agent.log. Ctrl-C stops both.
MSG
wait $collector
