#!/usr/bin/env bash
# A node's page on PostgreSQL at a million nodes, this tree against BASE
# in the same run: PostgreSQL seeded with SEED (1,000,000) nodes and
# HISTORY_DAYS (30) days of history in day partitions (scripts/lib/seed.sh),
# then ROUNDS rounds, alternating, of one collector (BASE's, then this
# tree's) answering QUERIES sequential GETs of a flagged node's page
# (`/api/v1/nodes/{id}`: the node, its open and resolved deviations, its
# transitions, its containers). Prints, per collector and round, the
# page's p50 / p99 and PostgreSQL's CPU per page (all its processes,
# over the queries), and the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
source scripts/lib/seed.sh
source scripts/lib/collector.sh
ensure_rust
ensure_postgres
command -v curl >/dev/null || apt_install curl
BASE=${BASE:-f67fde67}
SEED=${SEED:-1000000}
ROUNDS=${ROUNDS:-2}
QUERIES=${QUERIES:-1000}

release_build --example fleet_load >/dev/null
base_dir=$(reference_build "$BASE")
work=$(mktemp -d /tmp/plumb-bench-node-page.XXXXXX)
pids=()
pg_admin=${PLUMB_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/test}
name=plumb_node_page_$$
db="${pg_admin%/*}/$name"
cleanup() {
  stop_all
  rm -rf "$work"
  psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT
target/release/plumbctl pki init --dir "$work/pki" >/dev/null
ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
pg_ticks() { local s=0 p; for p in $(pgrep -x postgres); do s=$((s + $(ticks "$p"))); done; echo "$s"; }
hz=$(getconf CLK_TCK)

# serve BINARY: a collector on $db; sets $grpc $http $pid
serve() {
  pick_ports
  serve_collector "$1" "$work/collector.log" --database "$db" || exit 1
}

psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name" >/dev/null
# BASE makes the schema (this tree's migrations run on it after, if any
# are newer); the seed goes in beneath it.
serve "$base_dir/plumb-collector"
t=$(date +%s)
seed "$db" "$SEED"
echo "seeded $SEED nodes in $(($(date +%s) - t)) s" >&2
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
token=$(target/release/plumb-collector token create --role read --name bench --database "$db")
page=/api/v1/nodes/seed-$((SEED / 100 * 100))

declare -A p50 p99 cpu
for r in $(seq 1 "$ROUNDS"); do
  for who in base new; do
    bin=target/release/plumb-collector
    [ "$who" = base ] && bin=$base_dir/plumb-collector
    serve "$bin"
    # Warm: connections made, statements prepared.
    target/release/examples/fleet_load --collector "https://$grpc" --http "https://$http" \
      --ca-dir "$work/pki" --token "$token" --prefix "w$r$who" --agents 1 --heartbeat 10 \
      --ingesters 0 --queries 50 --seconds 1 --path "$page" >/dev/null 2>&1 || true
    c0=$(pg_ticks)
    target/release/examples/fleet_load --collector "https://$grpc" --http "https://$http" \
      --ca-dir "$work/pki" --token "$token" --prefix "q$r$who" --agents 1 --heartbeat 10 \
      --ingesters 0 --queries "$QUERIES" --seconds 1 --path "$page" >"$work/$who-$r.txt" 2>&1 || true
    c1=$(pg_ticks)
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    line=$(grep "^GET $page:" "$work/$who-$r.txt" || true)
    [ -n "$line" ] || { echo "no figures from the $who collector:" >&2; tail -n 5 "$work/$who-$r.txt" >&2; exit 1; }
    p50[$who$r]=$(sed -n 's/.*p50 \([0-9.]*\) ms.*/\1/p' <<<"$line")
    p99[$who$r]=$(sed -n 's/.*p99 \([0-9.]*\) ms.*/\1/p' <<<"$line")
    # PostgreSQL's CPU over the measured queries only (the collector
    # idle otherwise: no agents stream to it).
    cpu[$who$r]=$(awk -v a="$c0" -v b="$c1" -v hz="$hz" -v q="$QUERIES" 'BEGIN {printf "%.2f", 1000 * (b - a) / hz / q}')
    echo "round $r, $who: $line; PostgreSQL ${cpu[$who$r]} ms of CPU per page" >&2
  done
done

echo "| round | node page p50 / p99, this tree | BASE ($BASE) | ratio p50 / p99 | PostgreSQL CPU per page, this tree / BASE | ratio |"
echo "|---|---|---|---|---|---|"
for r in $(seq 1 "$ROUNDS"); do
  awk -v r="$r" -v a="${p50[new$r]}" -v b="${p99[new$r]}" -v c="${p50[base$r]}" -v d="${p99[base$r]}" \
    -v e="${cpu[new$r]}" -v f="${cpu[base$r]}" \
    'BEGIN {printf "| %d | %s / %s ms | %s / %s ms | %.2f× / %.2f× | %s / %s ms | %.2f× |\n", r, a, b, c, d, a / c, b / d, e, f, (f > 0 ? e / f : 0)}'
done
