#!/usr/bin/env bash
# Scale-out benchmarks, one run side by side: one collector on SQLite, one
# on PostgreSQL, two replicas on PostgreSQL. Each database first holds
# SEED_NODES nodes (1 % flagged); then AGENTS simulated agents (mTLS, one
# certificate and connection each, 10 s heartbeats, 100 ingesting) stream
# to the collector(s), spread evenly over the replicas. Prints agents
# held, deviations ingested/s and the p99 of GET /api/v1/nodes?status=flagged
# right after the flood and SETTLE seconds after it.
# Then failover: FAILOVER_AGENTS agents on replica A, A killed with
# SIGKILL, the time until every agent streams to replica B.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
source scripts/lib/collector.sh
ensure_rust
ensure_postgres
command -v curl >/dev/null || apt_install curl
command -v sqlite3 >/dev/null || apt_install sqlite3
# Two replicas are measured with AGENTS streams, one collector with
# SINGLE_AGENTS: a process holds one descriptor per agent, and where the
# hard limit of open files is 20,000 (as on the machines this runs on) one
# process cannot hold 20,000 streams (nor can one load generator).
AGENTS=${AGENTS:-20000}
SINGLE_AGENTS=${SINGLE_AGENTS:-$(( AGENTS < 10000 ? AGENTS : 10000 ))}
SEED_NODES=${SEED_NODES:-100000}
SECONDS_LOAD=${SECONDS_LOAD:-15}
FAILOVER_AGENTS=${FAILOVER_AGENTS:-5000}
# Queries run right after the flood (PostgreSQL still vacuuming what it
# wrote) and again SETTLE seconds after it, under heartbeats only.
SETTLE=${SETTLE:-30}

release_build --example fleet_load >/dev/null
work=$(mktemp -d /tmp/plumb-bench-scale.XXXXXX)
pids=()
# The replicas' logs survive the run (a replica that exits says why there).
logs=${LOGS:-/tmp/plumb-bench-scale-logs}
cleanup() {
  stop_all
  mkdir -p "$logs" && cp "$work"/*.log "$work"/*.txt "$logs"/ 2>/dev/null || true
  rm -rf "$work"
  # Every database this run made goes with it, also when it failed.
  for db in $(psql -Atq "${PLUMB_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/test}" \
      -c "SELECT datname FROM pg_database WHERE datname LIKE 'plumb_bench_$$_%'" 2>/dev/null); do
    psql -q "${PLUMB_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/test}" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  done
}
trap cleanup EXIT
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
target/release/plumbctl pki init --dir "$work/pki" >/dev/null
pg_admin=${PLUMB_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/test}

fresh_pg() {
  local name="plumb_bench_$$_$1"
  psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name" >/dev/null
  echo "${pg_admin%/*}/$name"
}

# Every setup starts from the same state: the seed analysed and
# checkpointed, the previous setup's database gone (its autovacuum and
# checkpoints would otherwise run during the next measurement).
settle() {
  psql -q "$1" -c "VACUUM ANALYZE" -c "CHECKPOINT" >/dev/null
}
drop_pg() {
  psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS ${1##*/}" >/dev/null
}

# serve NAME DATABASE_FLAGS... : starts a replica; sets $grpc $http $pid
serve() {
  local name=$1
  shift
  pick_ports
  serve_collector target/release/plumb-collector "$work/$name.log" "$@" || exit 1
}

seed_sql() { # the INSERT … SELECT body over a series `i`
  cat <<SQL
INSERT INTO nodes (node_id, hostname, image_id, manifest_digest, agent_version, boot_id, status,
  status_since, reasons, first_seen, last_seen, last_seq, heartbeat_secs, open_count, max_severity)
SELECT 'seed-' || i, 'seed-' || i || '.fleet', 'img-' || (i % 4), 'abc', 'seed', 'b',
  CASE WHEN i % 100 = 0 THEN 'flagged' WHEN i % 25 = 0 THEN 'drifted' ELSE 'clean' END,
  $(date +%s)000, '[]', $(date +%s)000, $(date +%s)000, 0, 86400,
  CASE WHEN i % 25 = 0 THEN 3 ELSE 0 END, CASE WHEN i % 100 = 0 THEN 4 WHEN i % 25 = 0 THEN 2 ELSE 0 END
SQL
}

seed_sqlite() {
  sqlite3 "$1" "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $SEED_NODES) $(seed_sql) FROM s;"
}
seed_pg() {
  psql -q "$1" -c "$(seed_sql) FROM generate_series(1, $SEED_NODES) AS s(i);" >/dev/null
}

# load LABEL AGENTS TOKEN "grpc http" ... : fleet_load against each replica at once
load() {
  local label=$1 agents=$2 token=$3; shift 3
  local n=$# per=$((agents / $#)) ingesters=$((100 / $#)) k=0 outs=()
  for r in "$@"; do
    set -- $r
    k=$((k + 1))
    local queries=1
    [ "$k" -eq 1 ] && queries=300
    target/release/examples/fleet_load --collector "https://$1" --http "https://$2" \
      --ca-dir "$work/pki" --token "$token" --prefix "r$k" \
      --agents "$per" --connections 100 --heartbeat 10 --ingesters "$ingesters" --batch 500 \
      --seconds "$SECONDS_LOAD" --queries "$queries" --settle "$SETTLE" >"$work/load-$label-$k.txt" 2>&1 &
    outs+=("$!")
  done
  for p in "${outs[@]}"; do wait "$p" || true; done
  local connected=0 rate=0
  for f in "$work"/load-"$label"-*.txt; do
    connected=$((connected + $(sed -n 's/^agents connected: \([0-9]*\) .*/\1/p' "$f")))
    rate=$(awk -v r="$rate" '/^ingest:/ { for (i = 1; i <= NF; i++) if ($i == "=") print r + $(i + 1) }' "$f")
  done
  local p99 steady
  p99=$(sed -n 's/^GET [^ ]*: .*p99 \([0-9.]*\) ms.*/\1/p' "$work/load-$label-1.txt")
  steady=$(sed -n 's/^GET .* after the flood: .*p99 \([0-9.]*\) ms.*/\1/p' "$work/load-$label-1.txt")
  printf '| %s | %d of %d | %.0f | %s ms | %s ms |\n' "$label" "$connected" "$agents" "$rate" "$p99" "$steady"
}

echo "| setup | agents held | deviations/s ingested | GET /api/v1/nodes?status=flagged p99 ($SEED_NODES nodes), right after the flood | the same, $SETTLE s after it |"
echo "|---|---|---|---|---|"

serve sqlite --data-dir "$work/sqlite"
seed_sqlite "$work/sqlite/plumb.db"
token=$(target/release/plumb-collector token create --role read --name bench --data-dir "$work/sqlite")
load "SQLite, 1 collector" "$SINGLE_AGENTS" "$token" "$grpc $http"
kill -9 "$pid" 2>/dev/null || true

db=$(fresh_pg one)
serve pg1 --database "$db"
seed_pg "$db"
settle "$db"
token=$(target/release/plumb-collector token create --role read --name bench --database "$db")
load "PostgreSQL, 1 collector" "$SINGLE_AGENTS" "$token" "$grpc $http"
kill -9 "$pid" 2>/dev/null || true
sleep 1
drop_pg "$db"

db=$(fresh_pg two)
serve pg2a --database "$db"
g1=$grpc h1=$http p1=$pid
serve pg2b --database "$db"
g2=$grpc h2=$http p2=$pid
seed_pg "$db"
settle "$db"
token=$(target/release/plumb-collector token create --role read --name bench --database "$db")
load "PostgreSQL, 2 replicas" "$AGENTS" "$token" "$g1 $h1" "$g2 $h2"
for p in "$p1" "$p2"; do rss=$(ps -o rss= -p "$p" || true); echo "replica $p RSS: ${rss:-gone (exited)} KB"; done

echo
echo "== failover: $FAILOVER_AGENTS agents on replica A, A killed with SIGKILL"
target/release/examples/fleet_load --collector "https://$g1" --failover "https://$g2" \
  --ca-dir "$work/pki" --prefix fo --agents "$FAILOVER_AGENTS" --heartbeat 10 >"$work/failover.txt" 2>&1 &
fo=$!
for _ in $(seq 1 600); do grep -q "ready for failover" "$work/failover.txt" && break; sleep 0.2; done
kill -9 "$p1"
wait "$fo" || true
grep -E "agents connected|failover:" "$work/failover.txt"
