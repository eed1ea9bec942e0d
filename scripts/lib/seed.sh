# Seeds a plumb database on PostgreSQL with a fleet of N nodes and
# their history, in SQL beneath a running collector (which made the
# schema): 200 images; 1 % flagged, 4 % drifted; nodes held by six
# simulated replicas whose leases stay live; 3 open deviations per
# drifted or flagged node; HISTORY_DAYS days of history (3 resolved
# deviations and 1 transition per 10 nodes per day, in their day
# partitions); 4 containers on every tenth node. Node ids are seed-1 ..
# seed-N. Used by bench-million.sh and bench-fleet.sh.
HISTORY_DAYS=${HISTORY_DAYS:-30}

# seed DATABASE N
seed() {
  local db=$1 n=$2 now day
  now=$(($(date +%s) * 1000))
  day=86400000
  psql -q -v ON_ERROR_STOP=1 "$db" >/dev/null <<SQL
INSERT INTO leases (name, holder, until_ms)
  SELECT 'replica:ghost-' || k, 'ghost-' || k, 4102444800000 FROM generate_series(0, 5) AS k;
INSERT INTO nodes (node_id, hostname, image_id, manifest_digest, agent_version, boot_id, status,
  status_since, reasons, first_seen, last_seen, last_seq, heartbeat_secs, open_count, max_severity,
  open_medium, open_high, holder)
SELECT 'seed-' || i, 'seed-' || i || '.fleet', 'img-' || (i % 200), 'abc', 'seed', 'b',
  CASE WHEN i % 100 = 0 THEN 'flagged' WHEN i % 25 = 0 THEN 'drifted' ELSE 'clean' END,
  $now, '[]', $now - 30 * $day::bigint, $now, 0, 10,
  CASE WHEN i % 25 = 0 THEN 3 ELSE 0 END, CASE WHEN i % 100 = 0 THEN 3 WHEN i % 25 = 0 THEN 2 ELSE 0 END,
  CASE WHEN i % 25 = 0 THEN 2 ELSE 0 END, CASE WHEN i % 25 = 0 THEN 1 ELSE 0 END,
  'ghost-' || (i % 6)
FROM generate_series(1, $n) AS s(i);
INSERT INTO deviations (node_id, container, cref, kind, dkey, severity, expected, actual, changes,
  package, explained_by, first_seen, resolved_at)
SELECT 'seed-' || i, '', 0, 'file_modified', '/usr/bin/tool' || j, CASE WHEN j = 0 THEN 3 ELSE 2 END,
  'sha256:' || md5(i::text), 'sha256:' || md5((i + j)::text), '["content"]', 'coreutils', '', $now - $day::bigint, NULL
FROM generate_series(25, $n, 25) AS s(i), generate_series(0, 2) AS t(j);
DO \$\$
DECLARE d BIGINT;
BEGIN
  FOR d IN ($now / $day - $HISTORY_DAYS) .. ($now / $day - 2) LOOP
    EXECUTE format('CREATE TABLE IF NOT EXISTS resolved_deviations_d%s PARTITION OF resolved_deviations FOR VALUES FROM (%s) TO (%s)', d, d::bigint * $day, (d::bigint + 1) * $day);
    EXECUTE format('CREATE TABLE IF NOT EXISTS transitions_d%s PARTITION OF transitions FOR VALUES FROM (%s) TO (%s)', d, d::bigint * $day, (d::bigint + 1) * $day);
  END LOOP;
END \$\$;
INSERT INTO resolved_deviations (id, node_id, container, cref, kind, dkey, severity, expected, actual,
  changes, package, explained_by, first_seen, resolved_at)
SELECT nextval('deviations_id_seq'), 'seed-' || (1 + (k * 7919) % $n), '', 0, 'file_modified',
  '/etc/conf' || (k % 97), 2, 'sha256:a', 'sha256:b', '["content"]', '', '',
  $now - (k % $HISTORY_DAYS) * $day - $day, $now - (k % $HISTORY_DAYS) * $day - (k % 80000000)
FROM generate_series(1::bigint, $n / 10 * 3 * $HISTORY_DAYS) AS s(k);
INSERT INTO transitions (node_id, from_status, to_status, cause, reasons, at)
SELECT 'seed-' || (1 + (k * 104729) % $n), 'clean', 'drifted', 'policy', '[]',
  $now - (k % $HISTORY_DAYS) * $day - (k % 80000000)
FROM generate_series(1::bigint, $n / 10 * $HISTORY_DAYS) AS s(k);
INSERT INTO containers (node_id, container_id, name, runtime, image, image_id, pod, namespace,
  pod_container, status, started, processes, first_seen, last_seen)
SELECT 'seed-' || i, md5(i::text || c), 'app-' || c, 'containerd', 'registry.internal/app:' || (i % 20),
  'sha256:' || md5((i % 20)::text), '', '', '', 'verified', $now, 3, $now, $now
FROM generate_series(10, $n, 10) AS s(i), generate_series(0, 3) AS t(c);
SQL
  psql -q "$db" -c "VACUUM ANALYZE" -c "CHECKPOINT" >/dev/null
}

