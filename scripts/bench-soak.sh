#!/usr/bin/env bash
# Database size under a sustained flood: one collector on SQLite (or
# PostgreSQL with DATABASE=postgres), AGENTS simulated agents over mTLS of
# which INGESTERS each send a batch every CHURN_MS adding BATCH deviations
# and resolving the previous batch's (history grows, open deviations do
# not), for MINUTES, with --retention RETENTION. Prints, every minute, the
# database's size and its history rows: pruning (every ten minutes, of
# history older than the retention) keeps it bounded.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
source scripts/lib/collector.sh
ensure_rust
command -v curl >/dev/null || apt_install curl
command -v sqlite3 >/dev/null || apt_install sqlite3
AGENTS=${AGENTS:-1000}
INGESTERS=${INGESTERS:-10}
BATCH=${BATCH:-50}
CHURN_MS=${CHURN_MS:-1000}
MINUTES=${MINUTES:-30}
RETENTION=${RETENTION:-5m}
DATABASE=${DATABASE:-sqlite}

release_build --example fleet_load 2>&1 | tail -n1
work=$(mktemp -d /tmp/plumb-soak.XXXXXX)
pids=()
name="plumb_soak_$$"
cleanup() {
  stop_all
  rm -rf "$work"
  if [ "$DATABASE" = postgres ]; then
    psql -q "$PLUMB_TEST_POSTGRES" -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
target/release/plumbctl pki init --dir "$work/pki" >/dev/null
db_flags=(--data-dir "$work/db")
if [ "$DATABASE" = postgres ]; then
  ensure_postgres
  psql -q "$PLUMB_TEST_POSTGRES" -c "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name" >/dev/null
  url="${PLUMB_TEST_POSTGRES%/*}/$name"
  db_flags+=(--database "$url")
fi
pick_ports
serve_collector target/release/plumb-collector "$work/collector.log" "${db_flags[@]}" --retention "$RETENTION"
token=$(target/release/plumb-collector token create --role read --name soak "${db_flags[@]}")

target/release/examples/fleet_load --collector "https://$grpc" --http "https://$http" \
  --ca-dir "$work/pki" --token "$token" --prefix soak --agents "$AGENTS" --connections 50 \
  --heartbeat 10 --ingesters "$INGESTERS" --batch "$BATCH" --churn-ms "$CHURN_MS" \
  --seconds $((MINUTES * 60)) --queries 10 >"$work/load.txt" 2>&1 &
pids+=("$!")

size() {
  if [ "$DATABASE" = postgres ]; then
    psql -tA "$url" -c "SELECT pg_database_size(current_database())"
  else
    du -cb "$work/db"/plumb.db* | tail -n1 | cut -f1
  fi
}
rows() {
  local q="SELECT (SELECT count(*) FROM deviations) || ' ' || (SELECT count(*) FROM resolved_deviations) || ' ' || (SELECT count(*) FROM transitions)"
  if [ "$DATABASE" = postgres ]; then psql -tA "$url" -c "$q"; else sqlite3 "$work/db/plumb.db" "$q"; fi
}
echo "soak: $AGENTS agents, $INGESTERS ingesting $BATCH deviations every ${CHURN_MS} ms (and resolving as many), retention $RETENTION, $DATABASE"
echo "| minute | database size | open deviations | resolved (history) | transitions |"
echo "|---|---|---|---|---|"
for m in $(seq 1 "$MINUTES"); do
  sleep 60
  read -r open resolved transitions < <(rows)
  printf '| %d | %.1f MB | %s | %s | %s |\n' "$m" "$(echo "$(size)" | awk '{print $1 / 1e6}')" "$open" "$resolved" "$transitions"
done
wait "${pids[1]}" || true
grep -E "^ingest:|^agents connected" "$work/load.txt" || true
echo "prune runs that deleted rows: $(grep -c "pruned history" "$work/collector.log" || true)"
