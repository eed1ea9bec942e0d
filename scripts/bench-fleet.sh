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
#   4. A hundred thousand: PostgreSQL seeded with SEED (1,000,000) nodes,
#      REPLICAS (7) replicas on it, and FLEET (100,000) lean agents
#      (`fleet_lean`: own connection, TLS session and certificate each)
#      from one generator process per loopback source address, at most
#      PER_GEN (17,000) each. Prints the generator's memory per agent
#      (against the tonic generator, `fleet_load`, in the same run), the
#      collectors' memory per stream and CPU per 10,000 idle agents, rows
#      and WAL bytes PostgreSQL writes per hello and per heartbeat, the
#      query p99s and flag latency under that load, and the storm: every
#      replica killed (SIGKILL) and started again, the time until every
#      agent streams again.
#   5. A hello's cost on PostgreSQL: HELLOS (5,000) lean agents connect
#      to a fresh collector on a fresh database, this tree and BASE in
#      turn, ROUNDS (2) times each; prints PostgreSQL transactions and
#      rows written per hello (read once the collector is gone, so every
#      session's counters are in) and the connect rate.
#
# SECTIONS picks the sections (default: 123), e.g. SECTIONS=1.
# COLLECTOR_ENV is put in the collectors' environment (e.g.
# COLLECTOR_ENV="MALLOC_ARENA_MAX=2"); WHO=new skips the reference.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
source scripts/lib/collector.sh
ensure_rust
command -v curl >/dev/null || apt_install curl
[[ $SECTIONS == *3* || $SECTIONS == *4* || $SECTIONS == *5* ]] && ensure_postgres
LOW=${LOW:-5000}
HIGH=${HIGH:-17000}
HOLD=${HOLD:-30}
BASE=${BASE:-3eadb618}
SECTIONS=${SECTIONS:-123}
SEED=${SEED:-1000000}
REPLICAS=${REPLICAS:-7}
FLEET=${FLEET:-100000}
PER_GEN=${PER_GEN:-17000}
# Connection attempts each generator process keeps in flight at once
# (section 4). Real agents are independent, but one generator process
# plays 17,000 of them on one thread: at 4,096 its handshakes starved its
# own heartbeats past the silence timeout (67,393 nodes found silent with
# their streams open, in a run on this 2-core machine).
IN_FLIGHT=${IN_FLIGHT:-256}
# Flag probes (section 4): critical deviations sent a second apart, each
# timed until its node shows flagged on the REST API.
PROBES=${PROBES:-40}
# Each replica's share of PostgreSQL's 100 connections.
DB_CONNECTIONS=${DB_CONNECTIONS:-12}
STORM=${STORM:-$HIGH}
COLLECTOR_ENV=${COLLECTOR_ENV:-}
WHO=${WHO:-new base}

release_build --example fleet_load >/dev/null
[[ $SECTIONS == *4* || $SECTIONS == *5* ]] && cargo build --release --locked -p plumb-tests --example fleet_lean >/dev/null
HELLOS=${HELLOS:-5000}
ROUNDS=${ROUNDS:-2}
work=$(mktemp -d /tmp/plumb-bench-fleet.XXXXXX)
pids=()
# PostgreSQL databases made here: dropped when the script ends, also on
# failure.
pg_admin=${PLUMB_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/test}
dbs=()
# What the collectors and generators said survives the run.
logs=${LOGS:-/tmp/plumb-bench-fleet-logs}
cleanup() {
  stop_all
  for d in "${dbs[@]}"; do psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS $d WITH (FORCE)" >/dev/null 2>&1 || true; done
  mkdir -p "$logs" && cp "$work"/*.txt "$work"/*.log "$logs"/ 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
# fresh_db NAME: an empty database NAME (dropped at the end); sets db
# to its URL.
fresh_db() {
  PGOPTIONS=--client-min-messages=warning psql -q -v ON_ERROR_STOP=1 "$pg_admin" -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" >/dev/null
  dbs+=("$1")
  db="${pg_admin%/*}/$1"
}
# drop_db NAME: drops it now.
drop_db() { psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" >/dev/null 2>&1 || true; }
# serve_pg BINARY LOG: a collector on $db listening on $grpc and $http,
# its pid in cpid; waits until it is ready.
serve_pg() {
  serve_collector "$1" "$2" --database "$db"
  cpid=$pid
}
# One descriptor per agent on each side; at most ~19,900 in one process.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
target/release/plumbctl pki init --dir "$work/pki" >/dev/null

# The reference collector, built once per revision beside this tree.
base_dir=target/bench-base/$BASE
[[ $WHO == *base* ]] && reference_build "$BASE" >/dev/null

ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# hold BINARY AGENTS -> "rss_kb cpu_seconds" of a fresh collector holding
# AGENTS idle streams (RSS sampled 10 s after the last agent connected,
# CPU over the HOLD seconds that follow).
hold() {
  local bin=$1 agents=$2 data=$work/c$RANDOM grpc http cpid lpid
  mkdir -p "$data"
  pick_ports
  serve_collector "$bin" "$data/collector.log" --data-dir "$data" || return 1
  cpid=$pid
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
  echo "== reconnect storm: $STORM agents, their collector (PostgreSQL) killed and started again on the same address"
  echo "| collector | back streaming after the restart | agents that did not | streams held afterwards | hellos told to come back | TLS sessions resumed |"
  echo "|---|---|---|---|---|---|"
  for who in $WHO; do
    bin=target/release/plumb-collector
    [ "$who" = base ] && bin=$base_dir/release/plumb-collector
    db_name="plumb_storm_$$_$who"
    fresh_db "$db_name"
    pick_ports
    serve_pg "$bin" "$work/storm-$who.log"
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
    serve_pg "$bin" "$work/storm-$who.log"
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
    wait "$lpid" "$cpid" 2>/dev/null || true
    sleep 1
    drop_db "$db_name"
  done
fi

if [[ $SECTIONS == *4* ]]; then
  source scripts/lib/seed.sh
  HISTORY_DAYS=${HISTORY_DAYS:-7}
  fresh_db "plumb_fleet_$$"
  echo "== $FLEET lean agents on $REPLICAS replicas, PostgreSQL seeded with $SEED nodes"
  grpcs=() https=() rpids=()
  # replica K: (re)starts replica K on its addresses.
  replica() {
    local k=$1
    env $COLLECTOR_ENV target/release/plumb-collector serve --database "$db" --grpc "${grpcs[$k]}" --http "${https[$k]}" \
      --database-connections "$DB_CONNECTIONS" \
      --tls-cert "$work/pki/collector.pem" --tls-key "$work/pki/collector.key" --client-ca "$work/pki/ca.pem" \
      >>"$work/replica-$k.log" 2>&1 &
    rpids[$k]=$!
    pids+=("$!")
  }
  ready() { # ready K: waits for replica K's /readyz
    until_ready "${https[$1]}" 600 && return 0
    echo "replica $1 did not start:" >&2
    tail -n 5 "$work/replica-$1.log" >&2
    return 1
  }
  for k in $(seq 0 $((REPLICAS - 1))); do
    grpcs[$k]=127.0.0.1:$((20000 + k * 10 + RANDOM % 10))
    https[$k]=127.0.0.1:$((26000 + k * 10 + RANDOM % 10))
  done
  replica 0
  ready 0
  t=$(date +%s)
  seed "$db" "$SEED"
  echo "seeded $SEED nodes in $(($(date +%s) - t)) s" >&2
  for k in $(seq 1 $((REPLICAS - 1))); do replica "$k"; done
  for k in $(seq 1 $((REPLICAS - 1))); do ready "$k"; done
  token=$(target/release/plumb-collector token create --role read --name fleet --database "$db")
  writes() { # "rows written, WAL bytes, transactions" so far
    psql -Atq "$db" -c "SELECT (SELECT tup_inserted + tup_updated + tup_deleted || ' ' || pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint || ' ' || xact_commit FROM pg_stat_database WHERE datname = current_database())"
  }
  replicas_rss() { local s=0; for p in "${rpids[@]}"; do s=$((s + $(rss_kb "$p"))); done; echo "$s"; }
  replicas_ticks() { local s=0; for p in "${rpids[@]}"; do s=$((s + $(ticks "$p"))); done; echo "$s"; }
  # CPU ticks so far of the generators and of PostgreSQL's processes.
  gens_ticks() { local s=0; for p in "${gpids[@]}"; do s=$((s + $(ticks "$p"))); done; echo "$s"; }
  pg_ticks() { local s=0; for p in $(pgrep -x postgres); do s=$((s + $(ticks "$p"))); done; echo "$s"; }
  # replicas_metric NAME: its sum over the replicas' /metrics.
  replicas_metric() {
    local s=0 v
    for k in $(seq 0 $((REPLICAS - 1))); do
      v=$(metric "${https[$k]}" "$token" "$1" 2>/dev/null || true)
      s=$((s + ${v:-0}))
    done
    echo "$s"
  }

  rss0=$(replicas_rss)
  read -r rows0 wal0 tx0 <<<"$(writes)"
  gens=$(((FLEET + PER_GEN - 1) / PER_GEN))
  colls=() gpids=()
  for k in $(seq 0 $((REPLICAS - 1))); do colls+=(--collector "https://${grpcs[$k]}"); done
  t_start=$(date +%s.%N)
  for g in $(seq 0 $((gens - 1))); do
    n=$PER_GEN
    [ $(((g + 1) * PER_GEN)) -gt "$FLEET" ] && n=$((FLEET - g * PER_GEN))
    probes=()
    [ "$g" -eq 0 ] && probes=(--flag-probes "$PROBES" --http "https://${https[0]}" --token "$token")
    target/release/examples/fleet_lean "${colls[@]}" --ca-dir "$work/pki" --prefix seed \
      --first $((1 + g * PER_GEN)) --agents "$n" --source "127.0.0.$((10 + g))" --heartbeat 10 \
      --drift-permille 10 --drift-every 60 --hold 3600 --storm 300 --go "$work/go" --in-flight "$IN_FLIGHT" \
      "${probes[@]}" >"$work/gen-$g.txt" 2>&1 &
    pids+=("$!")
    gpids+=("$!")
  done
  for _ in $(seq 1 1500); do
    [ "$(cat "$work"/gen-*.txt | grep -c "^connected:")" -ge "$gens" ] && break
    sleep 0.5
  done
  t_conn=$(awk -v a="$t_start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
  connected=$(cat "$work"/gen-*.txt | sed -n 's/^connected: \([0-9]*\) of.*/\1/p' | awk '{s += $1} END {print s + 0}')
  read -r rows1 wal1 tx1 <<<"$(writes)"
  echo "connected $connected of $FLEET in $t_conn s; since the start: rows $((rows1 - rows0)), WAL $((wal1 - wal0)) B, transactions $((tx1 - tx0))" >&2
  # Idle: every agent heartbeats, none drifts yet (until $work/go).
  sleep 15
  rss1=$(replicas_rss)
  read -r rows2 wal2 tx2 <<<"$(writes)"
  c0=$(replicas_ticks)
  IDLE4=${IDLE4:-30}
  sleep "$IDLE4"
  c1=$(replicas_ticks)
  read -r rows3 wal3 tx3 <<<"$(writes)"
  heartbeats=$((connected * IDLE4 / 10))
  echo "idle: replicas' RSS $rss0 -> $rss1 kB; CPU ticks $c0 -> $c1 over $IDLE4 s; rows $((rows3 - rows2)), WAL $((wal3 - wal2)) B, transactions $((tx3 - tx2)) for about $heartbeats heartbeats" >&2
  # Drift begins (1 % of agents, a batch a minute each) and the flag
  # probes run; the queries are timed meanwhile.
  touch "$work/go"
  target/release/examples/fleet_load --collector "https://${grpcs[1]}" --http "https://${https[1]}" \
    --ca-dir "$work/pki" --token "$token" --prefix probe --agents 1 --heartbeat 10 --ingesters 0 \
    --queries 100 --seconds 1 --path "/api/v1/nodes/seed-$((SEED / 100 * 100))" --path /api/v1/images \
    >"$work/queries.txt" 2>&1 || true
  # A probe a second, each polled for up to 30 s.
  for _ in $(seq 1 $((2 * (PROBES + 60)))); do grep -q "^flag latency:" "$work/gen-0.txt" 2>/dev/null && break; sleep 0.5; done
  # The storm: every replica killed and started again on its addresses.
  for k in $(seq 0 $((REPLICAS - 1))); do kill -9 "${rpids[$k]}" 2>/dev/null || true; done
  # A killed process holding 15,000 connections takes a moment to go
  # (and to let go of its port).
  for k in $(seq 0 $((REPLICAS - 1))); do wait "${rpids[$k]}" 2>/dev/null || true; done
  for k in $(seq 0 $((REPLICAS - 1))); do replica "$k"; done
  # Every generator reports once its agents are back (or gave up, 300 s
  # after their loss); at most 360 s in all. Every 10 s meanwhile: the
  # connections each replica holds, and the PostgreSQL sessions busy,
  # to show where the storm waits.
  t_storm=$(date +%s)
  ports=$(for g in "${grpcs[@]}"; do printf '%s ' "${g##*:}"; done)
  hz=$(getconf CLK_TCK)
  # Where the machine's CPU goes meanwhile (replicas restarted: their
  # ticks count from zero).
  read -r cr cg cp <<<"$(replicas_ticks) $(gens_ticks) $(pg_ticks)"
  t_cpu=$(date +%s.%N)
  for i in $(seq 1 720); do
    [ "$(cat "$work"/gen-*.txt | grep -c "^storm:")" -ge "$gens" ] && break
    if [ $((i % 20)) -eq 0 ]; then
      held=$(ss -Htn state established 2>/dev/null | awk -v ports="$ports" '
        BEGIN { n = split(ports, p, " "); for (i = 1; i <= n; i++) c[p[i]] = 0 }
        { split($3, a, ":"); if (a[2] in c) c[a[2]]++ }
        END { for (i = 1; i <= n; i++) printf "%d ", c[p[i]] }')
      busy=$(psql -Atq "$pg_admin" -c "SELECT count(*) FROM pg_stat_activity WHERE state = 'active'" 2>/dev/null || echo "?")
      read -r nr ng np <<<"$(replicas_ticks) $(gens_ticks) $(pg_ticks)"
      now=$(date +%s.%N)
      cpu=$(awk -v r=$((nr - cr)) -v g=$((ng - cg)) -v p=$((np - cp)) -v hz="$hz" -v dt="$(awk -v a="$t_cpu" -v b="$now" 'BEGIN {print b - a}')" \
        'BEGIN {printf "replicas %.0f %%, generators %.0f %%, PostgreSQL %.0f %%", 100 * r / hz / dt, 100 * g / hz / dt, 100 * p / hz / dt}')
      read -r cr cg cp <<<"$nr $ng $np"
      t_cpu=$now
      echo "storm t=$(($(date +%s) - t_storm))s: connections per replica: $held; PostgreSQL sessions active: $busy; CPU (of one core) $cpu" | tee -a "$work/storm-samples.txt" >&2
    fi
    sleep 0.5
  done
  sleep 10
  streams=$(psql -Atq "$db" -c "SELECT count(*) FROM streams" 2>/dev/null || echo "?")
  # What the restarted replicas saw of the storm.
  {
    echo "storm, the replicas' counters since their restart:"
    for m in plumb_tls_handshakes_total plumb_tls_handshakes_resumed_total plumb_tls_handshake_failures_total \
      plumb_tls_handshake_timeouts_total plumb_hellos_deferred_total plumb_connection_limit_hits_total \
      plumb_hellos_written_total plumb_hello_batches_total; do
      echo "  $m $(replicas_metric "$m")"
    done
  } | tee -a "$work/storm-samples.txt" >&2
  # The reference generator, after the lean ones are gone: tonic's
  # client (fleet_load) holding 5,000 agents.
  for p in $(pgrep -f examples/fleet_lean); do kill -9 "$p"; done
  target/release/examples/fleet_load --collector "https://${grpcs[0]}" --http "https://${https[0]}" \
    --ca-dir "$work/pki" --prefix tonicref --agents 5000 --heartbeat 10 --ingesters 0 --queries 0 \
    --seconds 40 >"$work/tonic-ref.txt" 2>&1 &
  ref_pid=$!
  pids+=("$ref_pid")
  ref_base=$(rss_kb "$ref_pid")
  for _ in $(seq 1 600); do grep -q "^TLS reconnect storm" "$work/tonic-ref.txt" 2>/dev/null && break; sleep 0.5; done
  sleep 10
  ref_rss=$(rss_kb "$ref_pid")
  kill -9 "$ref_pid" 2>/dev/null || true
  echo "tonic generator: $ref_rss kB holding 5,000 agents ($ref_base kB at its start)" >&2
  sleep 5

  cat "$work"/gen-*.txt >&2
  lat() { sed -n "s|^GET $1: p50 \([0-9.]*\) ms, p99 \([0-9.]*\) ms.*|\2|p" "$work/queries.txt"; }
  storm=$(cat "$work"/gen-*.txt | sed -n 's/^storm: \([0-9]*\) of \([0-9]*\) streams back, the last \([0-9.]*\) s.*/\1 \2 \3/p' |
    awk '{b += $1; l += $2; if ($3 > t) t = $3} END {print b + 0, l + 0, t + 0}')
  read -r back lost span <<<"$storm"
  gen_kb=$(cat "$work"/gen-*.txt | sed -n 's/^memory: .* per agent \([0-9.]*\) KB/\1/p' | awk '{s += $1; n++} END {printf "%.2f", s / n}')
  flag=$(sed -n 's/^flag latency: \(.*\)/\1/p' "$work/gen-0.txt")
  python3 - "$FLEET" "$connected" "$t_conn" "$gen_kb" "$ref_rss" "$ref_base" "$rss0" "$rss1" "$c0" "$c1" "$IDLE4" \
    "$rows0" "$wal0" "$tx0" "$rows1" "$wal1" "$tx1" "$rows2" "$wal2" "$tx2" "$rows3" "$wal3" "$tx3" "$heartbeats" \
    "$(lat '/api/v1/nodes?status=flagged&limit=100')" "$(lat "/api/v1/nodes/seed-$((SEED / 100 * 100))")" "$(lat /api/v1/images)" \
    "$back" "$lost" "$span" "$streams" "$flag" "$REPLICAS" "$SEED" "$(getconf CLK_TCK)" <<'PY'
import sys
a = sys.argv[1:]
fleet, connected = int(a[0]), int(a[1])
t_conn, gen_kb, ref_rss, ref_base = float(a[2]), float(a[3]), int(a[4]), int(a[5])
rss0, rss1, c0, c1, idle = int(a[6]), int(a[7]), int(a[8]), int(a[9]), int(a[10])
w = list(map(int, a[11:23]))
hb = int(a[23])
q_flag, q_node, q_images = a[24], a[25], a[26]
back, lost, span, streams, flag, replicas, seed, hz = a[27], a[28], a[29], a[30], a[31], a[32], int(a[33]), int(a[34])
ref_kb = (ref_rss - ref_base) * 1.024 / 5000
hello = [(w[3] - w[0]) / max(connected, 1), (w[4] - w[1]) / max(connected, 1), (w[5] - w[2]) / max(connected, 1)]
per_hb = [(w[9] - w[6]) / max(hb, 1), (w[10] - w[7]) / max(hb, 1), (w[11] - w[8]) / max(hb, 1)]
print()
print(f"{connected:,} of {fleet:,} agents connected in {t_conn:.1f} s, {replicas} replicas, {seed:,} nodes seeded")
print()
print("| what | measured | reference in the same run | ratio | target |")
print("|---|---|---|---|---|")
ratio = f"**{gen_kb / ref_kb:.2f}x**" if ref_kb > 0 else "-"
print(f"| load generator memory per agent (own TCP, TLS session, certificate) | {gen_kb:.2f} KB | tonic client (`fleet_load`), 5,000 agents: {ref_kb:.1f} KB | {ratio} | <= 15 KB |")
print(f"| collectors' memory per stream (all replicas' RSS, before and after {connected:,} streams) | {(rss1 - rss0) * 1.024 / max(connected, 1):.1f} KB | - | - | <= 24 KB |")
print(f"| collectors' CPU per 10,000 idle agents (10 s heartbeats, over {idle} s) | {(c1 - c0) / hz / idle / max(connected, 1) * 10000:.3f} core | - | - | <= 0.05 core |")
print(f"| PostgreSQL per hello: rows written / WAL bytes / transactions | {hello[0]:.2f} / {hello[1]:.0f} / {hello[2]:.2f} | - | - | - |")
print(f"| PostgreSQL per heartbeat: rows written / WAL bytes / transactions | {per_hb[0]:.4f} / {per_hb[1]:.1f} / {per_hb[2]:.4f} | - | - | 0 writes |")
print(f"| flag queue / node page / fleet per image p99 under the load | {q_flag} / {q_node} / {q_images} ms | - | - | < 50 / < 20 / < 200 ms |")
print(f"| flag latency (critical deviation sent to node flagged on the REST API) | {flag} | - | - | p99 < 1 s |")
print(f"| storm: every replica killed and restarted | {back} of {lost} streams back, the last {span} s after the first was lost; {streams} streams held | - | - | <= 120 s, 0 lost |")
PY
fi

if [[ $SECTIONS == *5* ]]; then
  echo "== a hello's cost on PostgreSQL: $HELLOS lean agents connecting to a fresh collector, this tree and $BASE, $ROUNDS rounds"
  echo "| collector | round | PostgreSQL transactions per hello | rows written per hello | hellos per second |"
  echo "|---|---|---|---|---|"
  for round in $(seq 1 "$ROUNDS"); do
    for who in $WHO; do
      bin=target/release/plumb-collector
      [ "$who" = base ] && bin=$base_dir/release/plumb-collector
      db_name="plumb_hello_$$_$who"
      fresh_db "$db_name"
      pick_ports
      serve_pg "$bin" "$work/hello-$who.log"
      sleep 2
      counters() { psql -Atq "$db" -c "SELECT xact_commit || ' ' || (tup_inserted + tup_updated + tup_deleted) FROM pg_stat_database WHERE datname = current_database()"; }
      read -r tx0 rows0 <<<"$(counters)"
      target/release/examples/fleet_lean --collector "https://$grpc" --ca-dir "$work/pki" --prefix "hello-$who" \
        --agents "$HELLOS" --heartbeat 10 --hold 1 >"$work/hello-$who.txt" 2>&1 || true
      # The collector's sessions end with it, and report what they did.
      kill -9 "$cpid" 2>/dev/null || true
      wait "$cpid" 2>/dev/null || true
      sleep 1
      read -r tx1 rows1 <<<"$(counters)"
      rate=$(sed -n 's/^connected: [0-9]* of [0-9]* in [0-9.]* s (\([0-9]*\)\/s).*/\1/p' "$work/hello-$who.txt")
      awk -v who="$who" -v r="$round" -v t=$((tx1 - tx0)) -v w=$((rows1 - rows0)) -v n="$HELLOS" -v rate="${rate:-?}" \
        'BEGIN {printf "| %s | %d | %.2f | %.2f | %s |\n", who, r, t / n, w / n, rate}'
      drop_db "$db_name"
    done
  done
fi
