#!/usr/bin/env bash
# The agent's cost on a node over a day with the packaged defaults
# (interval 5m, full_interval 1d, quick_interval 30s, heartbeat 10s, file
# events on) on a 100k-file root with one change per minute, measured over
# a compressed run and extrapolated:
#   full rehash     CPU of one `check --full` (the daily full scan);
#   rescan          CPU of one incremental `check` (hash cache warm), x288;
#   quick scans     daemon with quick_interval 2s for 60 s, less the idle
#                   daemon, per scan, x2880;
#   idle            daemon with the packaged defaults but no changes, CPU
#                   per second (heartbeats, quick scans), x86400;
#   changes         daemon seeing one change per second for 60 s (60x the
#                   daily rate), less idle, per change, x1440.
# Also: peak RSS (VmHWM) of each daemon, and the inotify watches a daemon
# on the host root `/` holds, with their kernel memory: the documented
# ceiling (inotify(7): up to 1080 bytes per watch on 64-bit) and the
# measured growth of unreclaimable slab.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
ensure_rust
[ -x /usr/bin/time ] || apt_install time

work=$(mktemp -d /tmp/plumb-footprint.XXXXXX)
cpid="" apid=""
trap 'kill $apid $cpid 2>/dev/null || true; rm -rf "$work"' EXIT
release_build 2>&1 | tail -n1
agent=$PWD/target/release/plumb-agent
collector=$PWD/target/release/plumb-collector
plumbctl=$PWD/target/release/plumbctl
source scripts/lib/collector.sh
hz=$(getconf CLK_TCK)

tree_100k "$work/t100k"
"$agent" manifest build --root "$work/t100k" --image-id t100k --no-runtime -o "$work/t100k.pb" >/dev/null 2>&1

cpu_of() { /usr/bin/time -f '%U %S' "$@" 2>&1 >/dev/null | tail -n1 | awk '{print $1 + $2}'; }
"$agent" check --manifest "$work/t100k.pb" --root "$work/t100k" --state-dir "$work/check" --json >/dev/null || true
full=$(cpu_of "$agent" check --manifest "$work/t100k.pb" --root "$work/t100k" --state-dir "$work/check" --full --json)
rescan=$(cpu_of "$agent" check --manifest "$work/t100k.pb" --root "$work/t100k" --state-dir "$work/check" --json)

start_collector

# daemon NAME SECONDS [FLAGS...] -> "cpu_seconds peak_rss_kb", measured
# after the first full scan has settled (20 s).
daemon() {
  local name=$1 secs=$2 t0 t1 hwm
  shift 2
  rm -rf "$work/state-$name"
  start_agent "$work/t100k" "$work/t100k.pb" t100k "$name" "$@"
  sleep 20
  kill -0 $apid 2>/dev/null || { cat "$work/agent-$name.log" >&2; return 1; }
  t0=$(cpu_ticks $apid)
  if [ -n "${CHANGES:-}" ]; then
    for i in $(seq 1 "$secs"); do
      echo "change $i" >>"$work/t100k/srv/d0000/f000000"
      sleep 1
    done
  else
    sleep "$secs"
  fi
  t1=$(cpu_ticks $apid)
  hwm=$(awk '/VmHWM/ {print $2}' /proc/$apid/status)
  kill $apid
  wait $apid 2>/dev/null || true
  apid=""
  awk -v a="$t0" -v b="$t1" -v hz="$hz" -v m="$hwm" 'BEGIN {printf "%.3f %d\n", (b-a)/hz, m}'
}
read -r idle_cpu idle_rss < <(daemon idle 60)
read -r quick_cpu quick_rss < <(daemon quick 60 --quick-interval 2s)
read -r change_cpu change_rss < <(CHANGES=1 daemon changes 60)

# The watches of a daemon on `/` (the system directories it watches
# there). This machine's /root holds millions of toolchain files no node
# has, and /work the sources: both are left out, of the manifest and of the
# watched directories.
"$agent" manifest build --root / --image-id host -o "$work/host.pb" \
  --exclude '/root/**' --exclude '/work/**' --exclude '/home/**' --memory-limit 1G >/dev/null
cat >"$work/host.toml" <<TOML
watch_paths = ["/usr", "/etc", "/bin", "/sbin", "/lib", "/lib64", "/boot", "/opt", "/srv"]
TOML
slab0=$(awk '/SUnreclaim/ {print $2}' /proc/meminfo)
start_agent / "$work/host.pb" host host --config "$work/host.toml"
sleep 20
watches=0
for fd in /proc/$apid/fdinfo/*; do
  n=$(grep -c '^inotify wd:' "$fd" 2>/dev/null || true)
  watches=$((watches + ${n:-0}))
done
slab1=$(awk '/SUnreclaim/ {print $2}' /proc/meminfo)
kill $apid

python3 - <<PY
full, rescan = $full, $rescan
idle, quick, change = $idle_cpu / 60, ($quick_cpu - $idle_cpu) / 30, max(0.0, $change_cpu - $idle_cpu) / 60
day = {
    "full rehash (1/day)": full,
    "incremental rescans (288/day)": rescan * 288,
    "quick scans (2880/day, beyond idle)": max(0.0, quick) * 2880,
    "idle daemon: heartbeats, default quick scans (86400 s)": idle * 86400,
    "file events, 1 change/min (1440/day)": change * 1440,
}
total = sum(day.values())
print("| cost of one ... | CPU |")
print("|---|---|")
print(f"| full rehash of the 100k-file root | {full:.2f} s |")
print(f"| incremental rescan (hash cache warm) | {rescan:.3f} s |")
print(f"| quick scan (packages, listeners) | {max(0.0, quick)*1000:.1f} ms |")
print(f"| second of idle daemon | {idle*1000:.2f} ms |")
print(f"| file change seen by events | {change*1000:.1f} ms |")
print()
print("| per day, packaged defaults | CPU seconds |")
print("|---|---|")
for k, v in day.items():
    print(f"| {k} | {v:.1f} |")
print(f"| **total** | **{total:.0f} s/day ({100*total/86400:.3f} % of one core)** |")
print()
print(f"| peak RSS (VmHWM) | idle {$idle_rss/1024:.1f} MB, quick scans {$quick_rss/1024:.1f} MB, changes {$change_rss/1024:.1f} MB |")
w = $watches
print(f"| inotify watches, daemon on / | {w} watches; kernel memory <= {w*1080/1048576:.1f} MiB (inotify(7): 1080 B each); unreclaimable slab grew {($slab1 - $slab0)/1024:.1f} MiB |")
PY
