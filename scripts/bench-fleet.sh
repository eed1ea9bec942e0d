#!/usr/bin/env bash
# Fleet benchmarks for the collector at scale. Each section is measured
# against a reference collector in the same run: the one built from
# BASE (a git revision, default: the commit before the stream changes),
# so the figures compare as ratios.
#
#   1. Memory per idle stream: a fresh collector (SQLite, mTLS) holds
#      LOW and then, in a fresh process, HIGH idle agents (one TLS
#      connection and node certificate each, heartbeats every 10 s); the
#      slope of its RSS between the two is the memory of one stream.
#   2. CPU per 10,000 idle agents: the collector's user+system time over
#      HOLD seconds while HIGH agents heartbeat, per 10,000 agents.
#   3. Reconnect storm: STORM agents (default HIGH) stream to one
#      collector on PostgreSQL; it is killed (SIGKILL) and started again
#      on the same address at once; every agent reconnects. Prints the
#      time from the restart until the last agent streams again, the
#      agents that did not, the collector's streams afterwards (one per
#      node: nothing duplicated), hellos told to come back, and TLS
#      sessions resumed.
#
# SECTIONS picks the sections (default: all), e.g. SECTIONS=1.
# COLLECTOR_ENV is put in the collectors' environment (e.g.
# COLLECTOR_ENV="MALLOC_ARENA_MAX=2"); WHO=new skips the reference.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
ensure_rust
command -v curl >/dev/null || apt_install curl
[[ $SECTIONS == *3* ]] && ensure_postgres
LOW=${LOW:-5000}
HIGH=${HIGH:-17000}
HOLD=${HOLD:-30}
BASE=${BASE:-3eadb618}
SECTIONS=${SECTIONS:-123}
STORM=${STORM:-$HIGH}
COLLECTOR_ENV=${COLLECTOR_ENV:-}
WHO=${WHO:-new base}

release_build --example fleet_load >/dev/null
work=$(mktemp -d /tmp/plumb-bench-fleet.XXXXXX)
pids=()
# What the collectors and generators said survives the run.
logs=${LOGS:-/tmp/plumb-bench-fleet-logs}
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  mkdir -p "$logs" && cp "$work"/*.txt "$work"/*.log "$logs"/ 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
# One descriptor per agent on each side; at most ~19,900 in one process.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
target/release/plumbctl pki init --dir "$work/pki" >/dev/null

# The reference collector, built once per revision beside this tree.
base_dir=target/bench-base/$BASE
if [ ! -x "$base_dir/release/plumb-collector" ]; then
  echo "building the reference collector ($BASE)..." >&2
  rm -rf "$work/base-src"
  git worktree add --detach "$work/base-src" "$BASE" >/dev/null 2>&1
  (cd "$work/base-src" && CARGO_TARGET_DIR="$PWD/../base-target" cargo build --release --locked -p plumb-collector --bin plumb-collector >/dev/null 2>&1)
  mkdir -p "$base_dir/release"
  cp "$work/base-target/release/plumb-collector" "$base_dir/release/"
  git worktree remove --force "$work/base-src"
  rm -rf "$work/base-target"
fi

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

# hold BINARY AGENTS -> "rss_kb cpu_seconds" of a fresh collector holding
# AGENTS idle streams (RSS sampled 10 s after the last agent connected,
# CPU over the HOLD seconds that follow).
hold() {
  local bin=$1 agents=$2 data=$work/c$RANDOM grpc http cpid lpid
  grpc=127.0.0.1:$((20000 + RANDOM % 6000))
  http=127.0.0.1:$((26000 + RANDOM % 6000))
  mkdir -p "$data"
  env $COLLECTOR_ENV "$bin" serve --data-dir "$data" --grpc "$grpc" --http "$http" \
    --tls-cert "$work/pki/collector.pem" --tls-key "$work/pki/collector.key" --client-ca "$work/pki/ca.pem" \
    >"$data/collector.log" 2>&1 &
  cpid=$!
  pids+=("$cpid")
  for _ in $(seq 1 150); do
    curl -fs --cacert "$work/pki/ca.pem" "https://$http/readyz" >/dev/null 2>&1 && break
    sleep 0.2
  done
  target/release/examples/fleet_load --collector "https://$grpc" --http "https://$http" \
    --ca-dir "$work/pki" --agents "$agents" --heartbeat 10 --ingesters 0 --queries 0 \
    --seconds $((HOLD + 60)) >"$data/load.txt" 2>&1 &
  lpid=$!
  pids+=("$lpid")
  for _ in $(seq 1 600); do
    grep -q "^agents connected" "$data/load.txt" 2>/dev/null && break
    sleep 0.5
  done
  if ! grep -q "^agents connected: $agents of" "$data/load.txt"; then
    echo "not every agent connected:" >&2
    cat "$data/load.txt" >&2
    tail -n 5 "$data/collector.log" >&2
    return 1
  fi
  sleep 10
  local rss t0 t1
  rss=$(rss_kb "$cpid")
  t0=$(ticks "$cpid")
  sleep "$HOLD"
  t1=$(ticks "$cpid")
  kill -9 "$lpid" "$cpid" 2>/dev/null || true
  wait "$lpid" "$cpid" 2>/dev/null || true
  echo "$rss $(awk -v a="$t0" -v b="$t1" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.3f", (b-a)/hz}')"
}

if [[ $SECTIONS == *1* || $SECTIONS == *2* ]]; then
  echo "== idle mTLS streams: $LOW and $HIGH agents, each in a fresh collector; this tree and $BASE"
  declare -A r
  for who in $WHO; do
    bin=target/release/plumb-collector
    [ "$who" = base ] && bin=$base_dir/release/plumb-collector
    read -r r[$who.low.rss] r[$who.low.cpu] < <(hold "$bin" "$LOW")
    read -r r[$who.high.rss] r[$who.high.cpu] < <(hold "$bin" "$HIGH")
    echo "$who: RSS ${r[$who.low.rss]} kB at $LOW, ${r[$who.high.rss]} kB at $HIGH; CPU ${r[$who.high.cpu]} s over ${HOLD} s at $HIGH"
  done
  [ "$WHO" = "new base" ] || exit 0
  python3 - "$LOW" "$HIGH" "$HOLD" "${r[new.low.rss]}" "${r[new.high.rss]}" "${r[new.high.cpu]}" \
    "${r[base.low.rss]}" "${r[base.high.rss]}" "${r[base.high.cpu]}" "$BASE" <<'PY'
import sys
low, high, hold = map(int, sys.argv[1:4])
n_lo, n_hi, n_cpu, b_lo, b_hi, b_cpu = map(float, sys.argv[4:10])
base = sys.argv[10]
n_kb = (n_hi - n_lo) / (high - low) * 1024 / 1000
b_kb = (b_hi - b_lo) / (high - low) * 1024 / 1000
n_core = n_cpu / hold / high * 10000
b_core = b_cpu / hold / high * 10000
print()
print(f"| what | this tree | {base} | ratio |")
print("|---|---|---|---|")
print(f"| collector memory per idle mTLS stream (RSS slope {low:,} to {high:,}) | {n_kb:.1f} KB | {b_kb:.1f} KB | **{n_kb / b_kb:.2f}x** |")
print(f"| collector CPU per 10,000 idle agents (10 s heartbeats, {high:,} held) | {n_core:.3f} core | {b_core:.3f} core | **{n_core / b_core:.2f}x** |")
PY
fi

metric() { # metric HTTP TOKEN NAME: its value on the collector's /metrics
  curl -fs --cacert "$work/pki/ca.pem" -H "authorization: Bearer $2" "https://$1/metrics" |
    awk -v n="$3" '$1 == n {print $2}'
}

if [[ $SECTIONS == *3* ]]; then
  pg_admin=${PLUMB_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/test}
  echo "== reconnect storm: $STORM agents, their collector (PostgreSQL) killed and started again on the same address"
  echo "| collector | back streaming after the restart | agents that did not | streams held afterwards | hellos told to come back | TLS sessions resumed |"
  echo "|---|---|---|---|---|---|"
  for who in $WHO; do
    bin=target/release/plumb-collector
    [ "$who" = base ] && bin=$base_dir/release/plumb-collector
    db_name="plumb_storm_$$_$who"
    psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS $db_name" -c "CREATE DATABASE $db_name" >/dev/null
    db="${pg_admin%/*}/$db_name"
    grpc=127.0.0.1:$((20000 + RANDOM % 6000))
    http=127.0.0.1:$((26000 + RANDOM % 6000))
    start_collector() {
      env $COLLECTOR_ENV "$bin" serve --database "$db" --grpc "$grpc" --http "$http" \
        --tls-cert "$work/pki/collector.pem" --tls-key "$work/pki/collector.key" --client-ca "$work/pki/ca.pem" \
        >>"$work/storm-$who.log" 2>&1 &
      cpid=$!
      pids+=("$cpid")
      for _ in $(seq 1 150); do
        curl -fs --cacert "$work/pki/ca.pem" "https://$http/readyz" >/dev/null 2>&1 && return 0
        sleep 0.1
      done
    }
    start_collector
    # Failover mode to the same address: each agent, its stream lost,
    # reconnects there until it streams again (retrying every 200 ms).
    target/release/examples/fleet_load --collector "https://$grpc" --failover "https://$grpc" \
      --ca-dir "$work/pki" --prefix "storm-$who" --agents "$STORM" --heartbeat 10 --settle 30 \
      >"$work/storm-$who.txt" 2>&1 &
    lpid=$!
    pids+=("$lpid")
    for _ in $(seq 1 1200); do grep -q "ready for failover" "$work/storm-$who.txt" && break; sleep 0.2; done
    kill -9 "$cpid"
    wait "$cpid" 2>/dev/null || true
    start_collector
    # The generator reports once every agent streams again (or gave up),
    # then holds the streams while the collector is looked at.
    for _ in $(seq 1 1500); do grep -q "^failover:" "$work/storm-$who.txt" && break; sleep 0.2; done
    line=$(grep "^failover:" "$work/storm-$who.txt" || echo "failover: none")
    back=$(sed -n 's/^failover: \([0-9]*\) of \([0-9]*\).*/\1 \2/p' <<<"$line")
    read -r moved held_before <<<"${back:-0 0}"
    # From the first stream lost (the kill) to the last one back.
    span=$(sed -n 's/.*the last \([0-9.]*\)s after.*/\1/p' <<<"$line")
    sleep 2
    streams=$(psql -Atq "$db" -c "SELECT count(*) FROM streams" 2>/dev/null || echo "?")
    token=$("$bin" token create --role read --name storm --database "$db" 2>/dev/null || true)
    deferred=$(metric "$http" "$token" plumb_hellos_deferred_total)
    resumed=$(metric "$http" "$token" plumb_tls_handshakes_resumed_total)
    printf '| %s | %s s after the first stream was lost | %d | %s (of %d nodes) | %s | %s |\n' \
      "$who" "${span:-?}" $((held_before - moved)) "$streams" "$STORM" "${deferred:-n/a}" "${resumed:-n/a}"
    kill -9 "$lpid" "$cpid" 2>/dev/null || true
    sleep 1
    psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS $db_name WITH (FORCE)" >/dev/null
  done
fi
