#!/usr/bin/env bash
# The database at a million nodes: PostgreSQL seeded with SIZES nodes
# (default 100,000 as the reference, then 1,000,000), each with history
# of realistic size, serves the SRE's queries while two replicas hold
# AGENTS live mTLS agents (INGESTERS of them streaming deviations).
#
# Seed, per node count N (200 images; 1 % flagged, 4 % drifted):
#   - nodes held by six other (simulated) replicas, whose leases stay
#     live: as in a fleet of 8 replicas, the silence check reads only the
#     nodes nobody holds;
#   - 3 open deviations per drifted or flagged node;
#   - HISTORY_DAYS days of history: 3 resolved deviations and 1
#     transition per 10 nodes per day, in their day partitions;
#   - 4 containers on every tenth node.
# Prints, per size, the p50/p99 of: the flag queue
# (`/api/v1/nodes?status=flagged`), a flagged node's page
# (`/api/v1/nodes/{id}`, with its open deviations and history) and the
# fleet per image (`/api/v1/images`); and, with the agents idle, rows and
# WAL bytes PostgreSQL writes per heartbeat.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
source scripts/lib/seed.sh
source scripts/lib/collector.sh
ensure_rust
ensure_postgres
command -v curl >/dev/null || apt_install curl
SIZES=${SIZES:-100000 1000000}
AGENTS=${AGENTS:-6000}
INGESTERS=${INGESTERS:-20}
SECONDS_LOAD=${SECONDS_LOAD:-15}
QUERIES=${QUERIES:-300}
HISTORY_DAYS=${HISTORY_DAYS:-30}
IDLE=${IDLE:-30}

release_build --example fleet_load >/dev/null
work=$(mktemp -d /tmp/plumb-bench-million.XXXXXX)
pids=()
pg_admin=${PLUMB_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/test}
cleanup() {
  stop_all
  rm -rf "$work"
  for db in $(psql -Atq "$pg_admin" \
      -c "SELECT datname FROM pg_database WHERE datname LIKE 'plumb_million_$$_%'" 2>/dev/null); do
    psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  done
}
trap cleanup EXIT
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
target/release/plumbctl pki init --dir "$work/pki" >/dev/null

# serve NAME DATABASE: starts a replica; sets $grpc $http $pid
serve() {
  pick_ports
  serve_collector target/release/plumb-collector "$work/$1.log" --database "$2" || exit 1
}

# writes DATABASE: "rows written, WAL bytes" so far
writes() {
  psql -Atq "$1" -c "SELECT (SELECT tup_inserted + tup_updated + tup_deleted FROM pg_stat_database WHERE datname = current_database()) || ' ' || pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint"
}

echo "| nodes | history rows | database size | flag queue p50 / p99 | node page p50 / p99 | fleet per image p50 / p99 | rows written per heartbeat | WAL bytes per heartbeat |"
echo "|---|---|---|---|---|---|---|---|"
for n in $SIZES; do
  db="${pg_admin%/*}/plumb_million_$$_$n"
  psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS ${db##*/}" -c "CREATE DATABASE ${db##*/}" >/dev/null
  # The first replica makes the schema; the seed goes in beneath it.
  serve "a$n" "$db"
  p1=$pid g1=$grpc h1=$http
  t=$(date +%s)
  seed "$db" "$n"
  echo "seeded $n nodes in $(( $(date +%s) - t )) s" >&2
  serve "b$n" "$db"
  p2=$pid g2=$grpc h2=$http
  token=$(target/release/plumb-collector token create --role read --name bench --database "$db")
  history=$(psql -Atq "$db" -c "SELECT (SELECT count(*) FROM resolved_deviations) + (SELECT count(*) FROM transitions)")
  size=$(psql -Atq "$db" -c "SELECT pg_size_pretty(pg_database_size(current_database()))")
  flagged=seed-$(( n / 100 * 100 ))
  outs=()
  k=0
  for r in "$g1 $h1" "$g2 $h2"; do
    set -- $r
    k=$((k + 1))
    extra=()
    [ "$k" -eq 1 ] && extra=(--queries "$QUERIES" --path "/api/v1/nodes/$flagged" --path "/api/v1/images")
    [ "$k" -eq 2 ] && extra=(--queries 1)
    target/release/examples/fleet_load --collector "https://$1" --http "https://$2" \
      --ca-dir "$work/pki" --token "$token" --prefix "m$k" --agents $((AGENTS / 2)) \
      --heartbeat 10 --ingesters $((INGESTERS / 2)) --batch 200 --seconds "$SECONDS_LOAD" \
      --settle "$IDLE" "${extra[@]}" >"$work/load-$n-$k.txt" 2>&1 &
    outs+=("$!")
  done
  # Writes per heartbeat: over IDLE seconds after the flood and its
  # queries, while every agent only heartbeats.
  for _ in $(seq 1 600); do grep -q "^GET /api/v1/images:" "$work/load-$n-1.txt" 2>/dev/null && break; sleep 0.5; done
  sleep 5
  read -r rows0 wal0 <<<"$(writes "$db")"
  sleep "$((IDLE - 10))"
  read -r rows1 wal1 <<<"$(writes "$db")"
  heartbeats=$(( AGENTS * (IDLE - 10) / 10 ))
  for p in "${outs[@]}"; do wait "$p" || true; done
  lat() { sed -n "s|^GET $1: p50 \([0-9.]*\) ms, p99 \([0-9.]*\) ms.*|\1 / \2 ms|p" "$work/load-$n-1.txt"; }
  printf '| %d | %d | %s | %s | %s | %s | %.2f | %.0f |\n' "$n" "$history" "$size" \
    "$(lat '/api/v1/nodes?status=flagged&limit=100')" "$(lat "/api/v1/nodes/$flagged")" "$(lat /api/v1/images)" \
    "$(awk -v a="$rows0" -v b="$rows1" -v h="$heartbeats" 'BEGIN { print (b - a) / h }')" \
    "$(awk -v a="$wal0" -v b="$wal1" -v h="$heartbeats" 'BEGIN { print (b - a) / h }')"
  grep -h "agents connected\|ingest:" "$work"/load-"$n"-*.txt >&2
  kill -9 "$p1" "$p2" 2>/dev/null || true
  wait "$p1" "$p2" 2>/dev/null || true
  sleep 1
  # KEEP=1 leaves the last database for a look at its plans.
  if [ "${KEEP:-0}" = 1 ]; then
    psql -q "$pg_admin" -c "ALTER DATABASE ${db##*/} RENAME TO plumb_million_kept" >/dev/null
    echo "kept as ${db%/*}/plumb_million_kept" >&2
  else
    psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS ${db##*/} WITH (FORCE)" >/dev/null
  fi
done
