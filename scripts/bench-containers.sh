#!/usr/bin/env bash
# Containers and execs, each beside its reference in one run:
#
# 1. `manifest build --image-archive` of an OCI layout whose one layer is
#    TREE (default: the 100k-file tree), beside `manifest build --root`
#    of TREE itself (target: the archive at >= 90 % of the root's speed).
# 2. `check --containers` with CONTAINERS podman containers (default 100)
#    that each wrote 10 files, beside the same check with none running
#    (target: < 1 s; peak RSS < 64 MB more than without them).
# 3. Exec overhead: hyperfine over EXECS execs of /bin/true (default
#    10,000) without an agent and with an agent whose exec monitor
#    (fanotify) judges every one (target: < 5 % slower).
# 4. Exec to deviation at the collector: ROUNDS (default 50) binaries
#    dropped into the agent's root, each run for 50 ms and deleted, the
#    time until the collector lists each (target: p99 < 1 s).
# 5. One hostile container among CONTAINERS: its writable layer holds a
#    1 TiB sparse file, a FIFO and HOSTILE_FILES (default 1,000,000) files
#    in one directory. `check --containers` beside the same check without
#    it (target: the pass, every other container judged, within 2 s; peak
#    RSS < 64 MB more than the clean containers alone).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
ensure_rust
ensure_podman
command -v hyperfine >/dev/null || apt_install hyperfine
command -v curl >/dev/null || apt_install curl
CONTAINERS=${CONTAINERS:-100}
EXECS=${EXECS:-10000}
ROUNDS=${ROUNDS:-50}
# Which sections to run, e.g. SECTIONS="1 3".
SECTIONS=${SECTIONS:-1 2 3 4 5}
HOSTILE_FILES=${HOSTILE_FILES:-1000000}
release_build 2>&1 | tail -n1
agent=$PWD/target/release/plumb-agent
collector=$PWD/target/release/plumb-collector
plumbctl=$PWD/target/release/plumbctl
work=$(mktemp -d /tmp/plumb-containers.XXXXXX)
tag=$$
image=localhost/plumb-bench-$tag:1
names=()
cleanup() {
  [ -n "${apid:-}" ] && kill "$apid" 2>/dev/null || true
  [ -n "${cpid:-}" ] && kill "$cpid" 2>/dev/null || true
  for n in "${names[@]}"; do podman rm -f -t 0 "$n" >/dev/null 2>&1 || true; done
  podman rmi -f "$image" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
pod() { podman --runtime runc --cgroup-manager cgroupfs "$@"; }
peak() { /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -n1; }

# busybox_image NAME: a busybox image (as $image) and its manifest,
# $work/NAME.pb, built from `podman save`.
busybox_image() {
  local root=$work/$1-root
  mkdir -p "$root/bin" "$root/tmp" "$root/etc" "$root/srv"
  cp "$(command -v busybox)" "$root/bin/busybox"
  for a in sh sleep cat cp mkdir ls rm true echo truncate mkfifo; do ln -s busybox "$root/bin/$a"; done
  tar -C "$root" -cf "$work/$1.tar" .
  pod import --quiet "$work/$1.tar" "$image" >/dev/null
  pod save --quiet --format oci-archive -o "$work/$1-oci.tar" "$image"
  "$agent" manifest build --image-archive "$work/$1-oci.tar" -o "$work/$1.pb" >/dev/null 2>&1
}

# writing_containers N TAG: N containers of $image that each write 10
# files into /srv and sleep.
writing_containers() {
  local i n
  for i in $(seq 1 "$1"); do
    n=plumb-bench-$tag-$2$i
    names+=("$n")
    pod run -d --name "$n" --network none --ulimit nofile=1024:1024 --ulimit nproc=4096:4096 "$image" \
      /bin/sh -c 'for f in 0 1 2 3 4 5 6 7 8 9; do echo $f > /srv/f$f; done; exec sleep 3600' >/dev/null
  done
  sleep 2
}

section1() {
echo "== 1. image archive vs root, same files"
TREE=${TREE:-}
if [ -z "$TREE" ]; then
  TREE=$work/tree
  tree_100k "$TREE"
fi
python3 - "$TREE" "$work/oci" <<'PY'
import hashlib, json, os, subprocess, sys
tree, out = sys.argv[1], sys.argv[2]
blobs = os.path.join(out, "blobs", "sha256")
os.makedirs(blobs)
layer = os.path.join(out, "layer.tar")
subprocess.run(["tar", "-C", tree, "-cf", layer, "."], check=True)
def put(path_or_bytes):
    if isinstance(path_or_bytes, bytes):
        data = path_or_bytes
        h = hashlib.sha256(data).hexdigest()
        open(os.path.join(blobs, h), "wb").write(data)
        return h, len(data)
    h = hashlib.sha256()
    with open(path_or_bytes, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    h = h.hexdigest()
    os.rename(path_or_bytes, os.path.join(blobs, h))
    return h, os.path.getsize(os.path.join(blobs, h))
lh, ls = put(layer)
config = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                     "rootfs": {"type": "layers", "diff_ids": ["sha256:" + lh]}}).encode()
ch, cs = put(config)
manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:" + ch, "size": cs},
    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": "sha256:" + lh, "size": ls}]}).encode()
mh, ms = put(manifest)
json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
    "digest": "sha256:" + mh, "size": ms}]}, open(os.path.join(out, "index.json"), "w"))
open(os.path.join(out, "oci-layout"), "w").write('{"imageLayoutVersion":"1.0.0"}')
PY
files=$(find "$TREE" | wc -l)
hyperfine -N --warmup 1 --runs 5 --export-json "$work/h1.json" \
  -n "root" "$agent manifest build --root $TREE --image-id bench --no-runtime -o $work/root.pb" \
  -n "archive" "$agent manifest build --image-archive $work/oci --no-runtime -o $work/archive.pb" 2>&1 | grep -E "Time|±" || true
python3 - "$work/h1.json" "$files" <<'PY'
import json, sys
r = {x["command"]: x["mean"] for x in json.load(open(sys.argv[1]))["results"]}
print(f"| files | manifest build --root | --image-archive | archive speed / root speed |")
print(f"|---|---|---|---|")
print(f"| {sys.argv[2]} | {r['root']*1000:.0f} ms | {r['archive']*1000:.0f} ms | **{r['root']/r['archive']*100:.0f} %** (target >= 90 %) |")
PY
}

section2() {
echo "== 2. $CONTAINERS containers, 10 files written in each"
busybox_image bb
check="$agent check --containers --manifest $work/bb.pb --json"
none_ms=$( { /usr/bin/time -f '%e' $check >/dev/null; } 2>&1 | tail -n1 )
none_rss=$(peak $check || true)
writing_containers "$CONTAINERS" w
$check >/dev/null || true
hyperfine -N --warmup 1 --runs 10 --ignore-failure --export-json "$work/h2.json" \
  -n "check --containers, $CONTAINERS containers" "$check" 2>&1 | grep -E "Time|±" || true
with_rss=$(peak $check || true)
judged=$($check | grep -c '"deviations"' || true)
python3 - "$work/h2.json" "$CONTAINERS" "$none_rss" "$with_rss" "$judged" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
n, none_rss, with_rss, judged = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
print(f"| containers (judged) | full container pass | peak RSS with them | without | more |")
print(f"|---|---|---|---|---|")
print(f"| {n} ({judged}) | {r['mean']*1000:.0f} ms ± {r['stddev']*1000:.0f} (target < 1 s) | {with_rss/1024:.1f} MB | {none_rss/1024:.1f} MB | {(with_rss-none_rss)/1024:.1f} MB (target < 64 MB) |")
PY
# The daemon: its peak RSS once it has judged them all (the image's
# manifest from the collector), beside the same daemon with containers off
# after as long.
exec_setup
"$plumbctl" manifest push "$work/bb.pb" >/dev/null 2>&1 || true
local t0 listed=0 on_hwm off_hwm
t0=$(date +%s)
start_agent "$work/demo" "$work/demo.pb" execs bench-ctr-on --exec-monitor off --containers on --quick-interval 2s --interval 1h
for _ in $(seq 1 120); do
  listed=$( { "$plumbctl" --json containers --node bench-ctr-on 2>/dev/null || true; } | grep -o '"container_id"' | wc -l || true)
  [ "$listed" -ge "$CONTAINERS" ] && break
  sleep 0.5
done
sleep 5
on_hwm=$(awk '/VmHWM/ {print $2}' "/proc/$apid/status")
local settle=$(($(date +%s) - t0))
kill "$apid"; wait "$apid" 2>/dev/null || true
start_agent "$work/demo" "$work/demo.pb" execs bench-ctr-off --exec-monitor off --containers off --quick-interval 2s --interval 1h
sleep "$settle"
off_hwm=$(awk '/VmHWM/ {print $2}' "/proc/$apid/status")
kill "$apid"; wait "$apid" 2>/dev/null || true
apid=
echo "| daemon, containers listed at the collector | peak RSS, containers on | containers off | more |"
echo "|---|---|---|---|"
echo "| $listed of $CONTAINERS | $((on_hwm / 1024)) MB | $((off_hwm / 1024)) MB | $(((on_hwm - off_hwm) / 1024)) MB (target < 64 MB) |"
for n in "${names[@]}"; do pod rm -f -t 0 "$n" >/dev/null 2>&1 || true; done
names=()
}

exec_setup() {
  [ -n "${cpid:-}" ] && return 0
  source scripts/lib/collector.sh
  start_collector
  cargo run -q --release --locked -p plumb-agent --features test-support --example demo_root -- "$work/demo" >/dev/null
  "$agent" manifest build --root "$work/demo" --image-id execs --runtime -o "$work/demo.pb" >/dev/null 2>&1
}

# exec_agent: the agent with its exec monitor on, once its first scan is
# over (its CPU time still for a second), so only the monitor is measured.
exec_agent() {
  [ -n "${apid:-}" ] && return 0
  exec_setup
  start_agent "$work/demo" "$work/demo.pb" execs bench-execs --exec-monitor on --containers off --quick-interval 1h --interval 1h
  for _ in $(seq 1 100); do grep -q '"exec_monitor":"fanotify"' <("$plumbctl" --json node bench-execs 2>/dev/null) && break; sleep 0.2; done
  local last=-1 now
  for _ in $(seq 1 60); do
    now=$(cpu_ticks "$apid")
    [ "$now" = "$last" ] && break
    last=$now
    sleep 1
  done
}

section3() {
echo "== 3. exec overhead: $EXECS execs of /bin/true"
# The collector runs in both measurements; only the agent differs.
exec_setup
hyperfine -N --warmup 100 --runs "$EXECS" --export-json "$work/h3a.json" -n "without agent" /bin/true 2>&1 | grep -E "Time|±" || true
exec_agent
t0=$(cpu_ticks "$apid")
hyperfine -N --warmup 100 --runs "$EXECS" --export-json "$work/h3b.json" -n "with agent (fanotify)" /bin/true 2>&1 | grep -E "Time|±" || true
t1=$(cpu_ticks "$apid")
python3 - "$work/h3a.json" "$work/h3b.json" "$EXECS" "$((t1 - t0))" "$(getconf CLK_TCK)" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))["results"][0]
b = json.load(open(sys.argv[2]))["results"][0]
execs, ticks, hz = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
# hyperfine's warmup runs are execs the agent judged too.
per_exec = ticks / hz / (execs + 100) * 1e6
print(f"| execs of /bin/true | without agent | with agent (exec monitor) | slowdown | agent CPU per exec |")
print(f"|---|---|---|---|---|")
print(f"| {execs} | {a['mean']*1e6:.0f} µs ± {a['stddev']*1e6:.0f} | {b['mean']*1e6:.0f} µs ± {b['stddev']*1e6:.0f} | **{(b['mean']/a['mean']-1)*100:+.1f} %** (target < 5 %) | {per_exec:.0f} µs |")
PY
}

section4() {
exec_agent
echo "== 4. exec to deviation at the collector: $ROUNDS rounds"
cp "$(command -v sleep)" "$work/sleep-copy"
: >"$work/latencies"
for i in $(seq 1 "$ROUNDS"); do
  f=$work/demo/tmp/dropped-$i
  cp "$work/sleep-copy" "$f"
  start=$(date +%s%N)
  "$f" 0.05
  rm -f "$f"
  for _ in $(seq 1 400); do
    if "$plumbctl" --json node bench-execs 2>/dev/null | grep -q "/tmp/dropped-$i\""; then
      echo $(( ($(date +%s%N) - start) / 1000000 )) >>"$work/latencies"
      break
    fi
    sleep 0.005
  done
done
python3 - "$work/latencies" "$ROUNDS" <<'PY'
import sys
l = sorted(int(x) for x in open(sys.argv[1]))
n = len(l)
if n == 0:
    print("no exec reached the collector"); sys.exit(1)
p = lambda q: l[min(n - 1, int(q * n))]
print(f"| rounds (seen) | p50 | p99 | max |")
print(f"|---|---|---|---|")
print(f"| {sys.argv[2]} ({n}) | {p(0.5)} ms | {p(0.99)} ms (target < 1 s) | {l[-1]} ms |")
PY
}

section5() {
echo "== 5. one hostile container among $CONTAINERS"
busybox_image bb5
check="$agent check --containers --manifest $work/bb5.pb --json"
writing_containers $((CONTAINERS - 1)) q
$check >/dev/null || true
hyperfine -N --warmup 1 --runs 5 --ignore-failure --export-json "$work/h5a.json" \
  -n "$((CONTAINERS - 1)) clean containers" "$check" 2>&1 | grep -E "Time|±" || true
clean_rss=$(peak $check || true)
n=plumb-bench-$tag-hostile
names+=("$n")
pod run -d --name "$n" --network none --ulimit nofile=1024:1024 --ulimit nproc=4096:4096 "$image" \
  /bin/sh -c 'mkdir -p /app /d && truncate -s 1099511627776 /app/sparse && mkfifo /app/fifo && exec sleep 3600' >/dev/null
sleep 1
pid=$(pod inspect -f '{{.State.Pid}}' "$n")
upper=$(awk '$5 == "/" && $9 == "overlay" {for (i = 10; i <= NF; i++) if ($i ~ /upperdir=/) print $i}' "/proc/$pid/mountinfo" | sed 's/.*upperdir=\([^,]*\).*/\1/')
# The files written straight into its writable layer: what the container
# could write itself, a hundred times faster than busybox would.
python3 - "$upper/d" "$HOSTILE_FILES" <<'PY'
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    os.close(os.open(os.path.join(d, str(i)), os.O_CREAT | os.O_WRONLY, 0o644))
PY
$check >/dev/null || true
hyperfine -N --warmup 1 --runs 5 --ignore-failure --export-json "$work/h5b.json" \
  -n "$((CONTAINERS - 1)) clean + 1 hostile" "$check" 2>&1 | grep -E "Time|±" || true
hostile_rss=$(peak $check || true)
verdict=$( { $check || true; } | python3 -c '
import json, sys
r = [json.loads(l) for l in sys.stdin if l.strip()]
h = [x for x in r if x["name"].endswith("-hostile")][0]
others = [x for x in r if not x["name"].endswith("-hostile")]
judged = sum(1 for x in others if x["status"] == "verified")
found = sorted({d["kind"] + " " + d["key"] for d in h["deviations"] if d["kind"] == "scan_error" or d["key"].startswith("/app")})
print("%d of %d others verified; the hostile one %s: %s" % (judged, len(others), h["status"], ", ".join(found)))
')
python3 - "$work/h5a.json" "$work/h5b.json" "$clean_rss" "$hostile_rss" "$verdict" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))["results"][0]
b = json.load(open(sys.argv[2]))["results"][0]
clean, hostile, verdict = int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
print("| pass | time | peak RSS | verdict |")
print("|---|---|---|---|")
print(f"| clean containers only (reference) | {a['mean']*1000:.0f} ms ± {a['stddev']*1000:.0f} | {clean/1024:.1f} MB | |")
print(f"| with the hostile one | {b['mean']*1000:.0f} ms ± {b['stddev']*1000:.0f} (target < 2 s; {b['mean']/a['mean']:.2f}x) | {hostile/1024:.1f} MB (+{(hostile-clean)/1024:.1f} MB, target < 64 MB) | {verdict} |")
PY
for n in "${names[@]}"; do pod rm -f -t 0 "$n" >/dev/null 2>&1 || true; done
names=()
}

for s in $SECTIONS; do "section$s"; done
