#!/usr/bin/env bash
# The batched statements' row sources on PostgreSQL: one JSON parameter
# expanded by json_to_recordset (what the collector binds) against one
# array parameter per column expanded by unnest, on the collector's own
# schema seeded with SEED (100,000) nodes (scripts/lib/seed.sh). Three
# statements, each both ways, alternating for ROUNDS (2) rounds of
# SECONDS_EACH (15) s of pgbench on one connection:
#   liveness  the liveness flush: `last_seen` and the holder of LIVENESS
#             (1,000) nodes, the shipped UPDATE … FROM the row source;
#   ingest    the writer's deviation statement for DEVIATIONS (200) rows
#             (11 columns: look up, update the open ones, insert the rest),
#             in the steady state where every row is an update;
#   decode    the deviation row source alone (count its rows).
# Prints rows per second for each and the ratio arrays / JSON. KEEP=1
# leaves the database and the statements for a look at their plans.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
source scripts/lib/seed.sh
source scripts/lib/collector.sh
ensure_rust
ensure_postgres
command -v curl >/dev/null || apt_install curl
command -v pgbench >/dev/null || apt_install postgresql-contrib
SEED=${SEED:-100000}
ROUNDS=${ROUNDS:-2}
SECONDS_EACH=${SECONDS_EACH:-15}
LIVENESS=${LIVENESS:-1000}
DEVIATIONS=${DEVIATIONS:-200}

release_build >/dev/null
work=$(mktemp -d /tmp/plumb-bench-binds.XXXXXX)
pids=()
pg_admin=${PLUMB_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/test}
name=plumb_binds_$$
db="${pg_admin%/*}/$name"
cleanup() {
  stop_all
  if [ "${KEEP:-0}" = 1 ]; then
    echo "kept: $db and $work" >&2
    return
  fi
  rm -rf "$work"
  psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT
target/release/plumbctl pki init --dir "$work/pki" >/dev/null
psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name" >/dev/null
# The collector makes the schema, then steps aside; the seed goes in.
pick_ports
serve_collector target/release/plumb-collector "$work/collector.log" --database "$db"
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
seed "$db" "$SEED"
psql -q "$db" -c "VACUUM ANALYZE" >/dev/null

# The parameters, both ways, one file each (pgbench -D takes them).
python3 - "$work" "$SEED" "$LIVENESS" "$DEVIATIONS" <<'PY'
import json, sys, time
work, seed, live, devs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
now = int(time.time() * 1000)
def arr(values):
    return "{" + ",".join('"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"
def put(name, text):
    open(f"{work}/{name}", "w").write(text)
nodes = [f"seed-{(k * 7919) % seed + 1}" for k in range(live)]
put("live.json", json.dumps([{"n": n, "at": now} for n in nodes], separators=(",", ":")))
put("live.n", arr(nodes))
put("live.at", arr([now] * live))
rows = []
for k in range(devs):
    rows.append({"n": f"seed-{k + 1}", "t": "", "r": 0, "k": "file_modified", "d": f"/usr/lib/bench/file-{k}.so",
                 "s": 2, "e": "sha256:" + "%064x" % (k * 7), "a": "sha256:" + "%064x" % (k * 13),
                 "c": '["content"]', "p": "libbench1", "x": ""})
put("dev.json", json.dumps(rows, separators=(",", ":")))
for col in "ntrkdseacpx":
    put(f"dev.{col}", arr([r[col] for r in rows]))
PY
for f in "$work"/live.* "$work"/dev.*; do
  [ "$(wc -c <"$f")" -lt 131000 ] || { echo "$f is over the 128 KiB an argument may hold: lower LIVENESS or DEVIATIONS" >&2; exit 1; }
done

cols='n TEXT, t TEXT, r BIGINT, k TEXT, d TEXT, s BIGINT, e TEXT, a TEXT, c TEXT, p TEXT, x TEXT'
# The writer's statement (store/deviations.rs), its row source swapped.
ingest() { # ingest ROWS_FROM
  cat <<SQL
WITH r AS MATERIALIZED (SELECT * FROM ROWS FROM ($1) WITH ORDINALITY AS r(n, t, r, k, d, s, e, a, c, p, x, ord)),
 old AS MATERIALIZED (SELECT r.ord, v.id, v.severity FROM r JOIN deviations v
   ON v.node_id = r.n AND v.kind = r.k AND v.dkey = r.d AND v.cref = r.r AND v.resolved_at IS NULL),
 upd AS (UPDATE deviations SET severity = r.s, expected = r.e, actual = r.a, changes = r.c,
   package = r.p, explained_by = r.x FROM old JOIN r ON r.ord = old.ord WHERE deviations.id = old.id),
 ins AS (INSERT INTO deviations (node_id, container, cref, kind, dkey, severity, expected, actual, changes, package,
   explained_by, first_seen, resolved_at) SELECT r.n, r.t, r.r, r.k, r.d, r.s, r.e, r.a, r.c, r.p, r.x, 0::BIGINT, NULL::BIGINT
   FROM r WHERE NOT EXISTS (SELECT 1 FROM old WHERE old.ord = r.ord))
SELECT ord, severity FROM old;
SQL
}
# Both ways of the row sources inside ROWS FROM: json_to_recordset's
# column list goes in its own AS there.
json_rows="json_to_recordset(:dj::json) AS ($cols)"
array_rows="unnest(:dn::text[], :dt::text[], :dr::bigint[], :dk::text[], :dd::text[], :ds::bigint[], :de::text[], :da::text[], :dc::text[], :dp::text[], :dx::text[])"
json_src="json_to_recordset(:dj::json) AS r($cols)"
array_src="$array_rows AS r(n, t, r, k, d, s, e, a, c, p, x)"
ingest "$json_rows" >"$work/ingest-json.sql"
ingest "$array_rows" >"$work/ingest-arrays.sql"
# The liveness flush (store/nodes.rs); a new holder each time, so that
# every row is written.
liveness() { # liveness ROW_SOURCE
  cat <<SQL
\set h random(1, 1000000000)
UPDATE nodes SET last_seen = GREATEST(nodes.last_seen, r.at), holder = 'bench-' || :h FROM $1
 WHERE nodes.node_id = r.n AND (nodes.last_seen < r.at OR nodes.holder IS DISTINCT FROM 'bench-' || :h)
 RETURNING nodes.node_id, nodes.status;
SQL
}
liveness "json_to_recordset(:lj::json) AS r(n TEXT, at BIGINT)" >"$work/liveness-json.sql"
liveness "unnest(:ln::text[], :la::bigint[]) AS r(n, at)" >"$work/liveness-arrays.sql"
echo "SELECT count(*) FROM $json_src;" >"$work/decode-json.sql"
echo "SELECT count(*) FROM $array_src;" >"$work/decode-arrays.sql"

params=(-D "lj=$(cat "$work/live.json")" -D "ln=$(cat "$work/live.n")" -D "la=$(cat "$work/live.at")"
  -D "dj=$(cat "$work/dev.json")")
for col in n t r k d s e a c p x; do params+=(-D "d$col=$(cat "$work/dev.$col")"); done
# tps WHAT HOW: statements per second of WHAT's HOW (json or arrays).
tps() {
  PGOPTIONS="-c plan_cache_mode=force_custom_plan" pgbench -n -M prepared -c 1 -T "$SECONDS_EACH" -f "$work/$1-$2.sql" "${params[@]}" "$db" 2>"$work/pgbench.err" |
    sed -n 's/^tps = \([0-9.]*\).*/\1/p' | grep . || { cat "$work/pgbench.err" >&2; return 1; }
}
declare -A rows=([liveness]=$LIVENESS [ingest]=$DEVIATIONS [decode]=$DEVIATIONS)
echo "| statement | round | rows/s, one JSON parameter | rows/s, an array per column | arrays / JSON |"
echo "|---|---|---|---|---|"
for what in liveness ingest decode; do
  for r in $(seq 1 "$ROUNDS"); do
    j=$(tps "$what" json)
    a=$(tps "$what" arrays)
    awk -v w="$what" -v r="$r" -v j="$j" -v a="$a" -v n="${rows[$what]}" \
      'BEGIN {printf "| %s (%d rows) | %d | %.0f | %.0f | %.2f× |\n", w, n, r, j * n, a * n, a / j}'
  done
done
