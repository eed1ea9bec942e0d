#!/usr/bin/env bash
# The runtime process scan with PROCS processes running (default 1,000):
# `plumb-agent check` of a small root whose manifest asks for runtime
# checks, with and without them (--no-processes), side by side in one
# hyperfine run; the difference is the scan of every process's exe, maps,
# status and cmdline. Target: < 50 ms for 1,000 processes.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
ensure_rust
command -v hyperfine >/dev/null || apt_install hyperfine
PROCS=${PROCS:-1000}
release_build 2>&1 | tail -n1
agent=$PWD/target/release/plumb-agent
work=$(mktemp -d /tmp/plumb-procs.XXXXXX)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT
cargo run -q --release --locked -p plumb-agent --features test-support --example demo_root -- "$work/root" >/dev/null
"$agent" manifest build --root "$work/root" --image-id procs --runtime -o "$work/m.pb" >/dev/null 2>&1
for _ in $(seq 1 "$PROCS"); do
  sleep 600 &
  pids+=("$!")
done
total=$(ls /proc | grep -c '^[0-9]')
echo "== $PROCS sleeping processes started; $total processes on the machine"
check="$agent check --manifest $work/m.pb --root $work/root --state-dir $work/state --json"
$check >/dev/null 2>&1 || true
hyperfine -N --warmup 2 --runs 20 --ignore-failure --export-json "$work/h.json" \
  -n "check, runtime checks" "$check" \
  -n "check --no-processes" "$check --no-processes" 2>&1 | grep -E "Time|±" || true
python3 - "$work/h.json" "$total" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
with_rt, without = r["check, runtime checks"]["mean"], r["check --no-processes"]["mean"]
print(f"| processes on the machine | check with runtime checks | without | process scan |")
print(f"|---|---|---|---|")
print(f"| {sys.argv[2]} | {with_rt*1000:.1f} ms | {without*1000:.1f} ms | {(with_rt-without)*1000:.1f} ms (target < 50 ms for 1,000) |")
PY
