#!/usr/bin/env bash
# Collector benchmarks: a real collector (release build, embedded SQLite)
# and the fleet load generator (real gRPC clients) on loopback. Prints
# connected streams, heartbeats/s, deviations ingested/s and REST query
# latency under that load; plus the store alone (examples/store_bench.rs).
#
# Two fleets in one run, each against a fresh collector: AGENTS hosts,
# then AGENTS nodes each listing CONTAINERS containers (default 30) whose
# ingested deviations are keyed per container, with the container queries
# (a node's containers, the drifted ones, the fleet per image) beside the
# node query. Target: the container fleet holds the host fleet's figures.
#
# The reference: the collector (and store_bench) built from BASE (a git
# revision, default the one whose figures BENCHMARKS.md records as
# "today's"), run in the same run, ROUNDS times each, alternating with
# this tree's, so the ratios do not depend on the machine's state.
# BASE=none skips it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
source scripts/lib/collector.sh
ensure_rust
command -v curl >/dev/null || apt_install curl
AGENTS=${AGENTS:-10000}
SECONDS_LOAD=${SECONDS_LOAD:-15}
CONTAINERS=${CONTAINERS:-30}
BASE=${BASE:-9e976f8f}
ROUNDS=${ROUNDS:-2}

release_build --example fleet_load --example store_bench >/dev/null
base_dir=
[ "$BASE" != none ] && base_dir=$(reference_build "$BASE" store_bench)
work=$(mktemp -d /tmp/plumb-bench-collector.XXXXXX)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$work"' EXIT
# One TLS connection (and file descriptor) per agent on each side.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
# TLS and authentication on, as in production: a development CA, a read
# token, node certificates issued by the load generator.
target/release/plumbctl pki init --dir "$work/pki" >/dev/null

for round in $(seq 1 "$ROUNDS"); do
  echo "== store alone (SQLite, 100 batches x 500 deviations per transaction), round $round"
  echo "this tree: $(target/release/examples/store_bench | tail -n 1)" | tee -a "$work/store-new.txt"
  [ -n "$base_dir" ] && echo "$BASE: $("$base_dir/store_bench" | tail -n 1)" | tee -a "$work/store-base.txt"
done

# fleet LABEL COLLECTOR [FLAGS...]: a fresh COLLECTOR (binary), the load
# generator against it, the collector's RSS; the generator's output in
# $work/LABEL.txt.
fleet() {
  local label=$1 bin=$2 data=$work/$1 grpc http token
  shift 2
  mkdir -p "$data"
  token=$("$bin" token create --role read --name bench --data-dir "$data")
  pick_ports
  serve_collector "$bin" "$data/collector.log" --data-dir "$data" || return 1
  echo "== $label over mTLS: $AGENTS simulated agents (one TLS connection and certificate each), 10 s heartbeats, 100 of them ingesting $*"
  target/release/examples/fleet_load --collector "https://$grpc" --http "https://$http" \
    --ca-dir "$work/pki" --token "$token" \
    --agents "$AGENTS" --connections 100 --heartbeat 10 --ingesters 100 --batch 500 \
    --seconds "$SECONDS_LOAD" --queries 300 "$@" | tee "$work/$label.txt"
  echo "collector RSS: $(($(ps -o rss= -p "$pid") / 1024)) MB" | tee -a "$work/$label.txt"
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  pid=
}

for round in $(seq 1 "$ROUNDS"); do
  fleet "hosts-$round" target/release/plumb-collector
  [ -n "$base_dir" ] && fleet "hosts-base-$round" "$base_dir/plumb-collector"
done
if [ -n "$base_dir" ]; then
  python3 - "$work" "$ROUNDS" "$BASE" <<'PY'
import re, sys
work, rounds, base = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def rate(path):
    return float(re.search(r"^ingest: .* = (\d+) deviations/s", open(path).read(), re.M).group(1))
def store(path):
    return [float(x) for x in re.findall(r"= (\d+)/s", open(path).read())]
new = [rate(f"{work}/hosts-{r}.txt") for r in range(1, rounds + 1)]
old = [rate(f"{work}/hosts-base-{r}.txt") for r in range(1, rounds + 1)]
sn, so = store(f"{work}/store-new.txt"), store(f"{work}/store-base.txt")
span = lambda xs: f"{min(xs):,.0f}-{max(xs):,.0f}" if len(xs) > 1 else f"{xs[0]:,.0f}"
print()
print(f"| what | this tree | {base} | ratio |")
print("|---|---|---|---|")
print(f"| hosts ingest, deviations/s ({rounds} rounds) | {span(new)} | {span(old)} | **{sum(new) / sum(old):.2f}x** |")
if sn and so:
    print(f"| store alone, deviations/s | {span(sn)} | {span(so)} | **{sum(sn) / len(sn) / (sum(so) / len(so)):.2f}x** |")
PY
fi
if [ "$CONTAINERS" -gt 0 ]; then
  # Ingest begins once the fleet's cold start (every node's list stored)
  # is over, as it does for hosts once the connection storm is.
  fleet containers target/release/plumb-collector --containers "$CONTAINERS" --ingest-after $((10 + AGENTS / 500 + AGENTS * CONTAINERS / 4000))
  python3 - "$work/hosts-1.txt" "$work/containers.txt" "$AGENTS" "$CONTAINERS" <<'PY'
import re, sys
def figures(path):
    text = open(path).read()
    rate = float(re.search(r"^ingest: .* = (\d+) deviations/s", text, re.M).group(1))
    p99 = {m.group(1): float(m.group(2)) for m in re.finditer(r"^GET (\S+): .*p99 ([0-9.]+) ms", text, re.M)}
    rss = int(re.search(r"collector RSS: (\d+) MB", text).group(1))
    cold = re.search(r"^container lists: (\d+) of (\d+) containers stored ([0-9.]+)s", text, re.M)
    return rate, p99, rss, cold
h, c = figures(sys.argv[1]), figures(sys.argv[2])
agents, n = int(sys.argv[3]), int(sys.argv[4])
node_q = "/api/v1/nodes?status=flagged&limit=100"
print()
print(f"| fleet | deviations/s ingested | GET {node_q} p99 | container queries p99 | collector RSS |")
print("|---|---|---|---|---|")
print(f"| {agents:,} hosts | {h[0]:,.0f} | {h[1][node_q]:.1f} ms | — | {h[2]} MB |")
others = "; ".join(f"`{p}` {v:.1f} ms" for p, v in c[1].items() if p != node_q)
print(f"| {agents:,} nodes x {n} containers ({agents * n:,}) | {c[0]:,.0f} (**{c[0] / h[0]:.2f}x** the hosts') | {c[1][node_q]:.1f} ms (**{c[1][node_q] / h[1][node_q]:.2f}x**) | {others} | {c[2]} MB |")
if c[3]:
    print(f"\ncold start: {int(c[3].group(1)):,} of {int(c[3].group(2)):,} containers stored {c[3].group(3)} s after the start")
PY
fi
