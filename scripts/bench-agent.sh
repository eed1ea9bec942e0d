#!/usr/bin/env bash
# Agent benchmarks, each side by side with a reference in the same run:
#   1. manifest build of a page-cache-hot tree (default /usr) vs. the SHA-256
#      ceiling (cores x `openssl speed -evp sha256`), `aide --init` with a
#      sha256 rule, and `sha256sum` run on all cores;
#   2. re-check of an unchanged 100k-file tree (hash cache) vs. `find -ls`;
#   3. peak RSS of a 100k-file build and check.
# Prints a table of figures and ratios; BENCHMARKS.md records one run.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
ensure_rust
command -v aide >/dev/null && command -v hyperfine >/dev/null || apt_install aide hyperfine
command -v openssl >/dev/null || apt_install openssl
[ -x /usr/bin/time ] || apt_install time

TREE=${1:-/usr}
work=$(mktemp -d /tmp/plumb-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
release_build 2>&1 | tail -n1
agent=$PWD/target/release/plumb-agent
collector=$PWD/target/release/plumb-collector
cores=$(nproc)

echo "== machine: $cores cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r)"
bytes=$(find "$TREE" -xdev -type f -printf '%s\n' 2>/dev/null | awk '{s+=$1} END {print s}')
files=$(find "$TREE" -xdev -type f 2>/dev/null | wc -l)
echo "== tree $TREE: $files regular files, $((bytes / 1000000)) MB"

single=$(openssl speed -evp sha256 -bytes 16384 -seconds 3 2>/dev/null | awk '/^sha256/ {sub("k","",$2); print $2 * 1000}')
ceiling=$(awk -v s="$single" -v c="$cores" 'BEGIN {print s * c}')
echo "== openssl sha256 (16 KiB blocks): $(awk -v s="$single" 'BEGIN {printf "%.0f", s/1e6}') MB/s per core; ceiling $(awk -v s="$ceiling" 'BEGIN {printf "%.0f", s/1e6}') MB/s"

# Warm the page cache so every tool reads from memory.
find "$TREE" -xdev -type f -print0 2>/dev/null | xargs -0 -P "$cores" cat >/dev/null 2>&1 || true

cat >"$work/aide.conf" <<CONF
database_out=file:$work/aide.db
gzip_dbout=no
report_url=stdout
BenchRule = p+i+n+u+g+s+c+sha256+ftype
$TREE BenchRule
CONF

hyperfine --style basic --export-json "$work/build.json" --warmup 1 --runs 5 \
  -n plumb-build "$agent manifest build --root $TREE --image-id bench -o $work/m.pb" \
  -n sha256sum-all-cores "find $TREE -xdev -type f -print0 | xargs -0 -n 256 -P $cores sha256sum >/dev/null 2>&1 || true" \
  >/dev/null
# AIDE's default is one hashing worker; it also runs with one per core.
sed "1i num_workers=$cores" "$work/aide.conf" | sed "s|aide.db|aide-mt.db|" >"$work/aide-mt.conf"
hyperfine --style basic --export-json "$work/aide.json" --runs 1 \
  -n aide-init "aide --init --config $work/aide.conf >/dev/null 2>&1 || true" \
  -n aide-init-all-cores "aide --init --config $work/aide-mt.conf >/dev/null 2>&1 || true" >/dev/null

mean() { python3 -c "import json,sys; d=json.load(open('$1')); print([r['mean'] for r in d['results'] if r['command']=='$2'][0])"; }
t_plumb=$(mean "$work/build.json" plumb-build)
t_sum=$(mean "$work/build.json" sha256sum-all-cores)
t_aide=$(mean "$work/aide.json" aide-init)
t_aide_mt=$(mean "$work/aide.json" aide-init-all-cores)
rss() { /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -n1; }
rss_tree=$(rss "$agent" manifest build --root "$TREE" --image-id bench -o "$work/m-rss.pb")

# A 100k-file tree for the incremental and memory figures.
tree_100k "$work/t100k"
rss_build=$(rss "$agent" manifest build --root "$work/t100k" --image-id t100k -o "$work/t100k.pb")
rss_check=$(rss "$agent" check --manifest "$work/t100k.pb" --root "$work/t100k" --state-dir "$work/state" --json)
hyperfine --style basic --export-json "$work/recheck.json" --warmup 1 --runs 10 \
  -n plumb-recheck "$agent check --manifest $work/t100k.pb --root $work/t100k --state-dir $work/state --json >/dev/null" \
  -n find-ls "find $work/t100k -ls >/dev/null" >/dev/null
t_recheck=$(mean "$work/recheck.json" plumb-recheck)
t_find=$(mean "$work/recheck.json" find-ls)

# The daemon at rest: RSS and CPU over 30 s idle on the demo root and on
# the 100k-file tree, streaming over mTLS to a local collector (set up as
# scripts/demo.sh does: a PKI, an admin token, one enrollment per agent).
plumbctl=$PWD/target/release/plumbctl
source scripts/lib/collector.sh
start_collector
cargo run -q --release --locked -p plumb-agent --features test-support --example demo_root -- "$work/demo" >/dev/null
"$agent" manifest build --root "$work/demo" --image-id demo --no-runtime -o "$work/demo.pb" 2>/dev/null >/dev/null
idle() { # root manifest image -> "rss_mb cpu_percent"
  start_agent "$1" "$2" "$3" "idle-$3"
  local t0 t1
  sleep 10
  if ! kill -0 $apid 2>/dev/null; then
    echo "agent on $1 exited; its log:" >&2
    cat "$work/agent-idle-$3.log" >&2
    return 1
  fi
  t0=$(cpu_ticks $apid)
  sleep 30
  t1=$(cpu_ticks $apid)
  echo "$(awk '/VmRSS/ {printf "%.1f", $2/1024}' /proc/$apid/status) $(awk -v a="$t0" -v b="$t1" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f", (b-a)/hz/30*100}')"
  kill $apid
}
read -r idle_demo_rss idle_demo_cpu < <(idle "$work/demo" "$work/demo.pb" demo)
read -r idle_100k_rss idle_100k_cpu < <(idle "$work/t100k" "$work/t100k.pb" t100k)
kill $cpid

python3 - <<PY
bytes, ceiling = $bytes, $ceiling
tp, ts, ta, tam = $t_plumb, $t_sum, $t_aide, $t_aide_mt
tr, tf = $t_recheck, $t_find
print()
print(f"| figure | value | reference | ratio |")
print(f"|---|---|---|---|")
print(f"| manifest build of $TREE (hot) | {tp:.2f} s, {bytes/tp/1e6:.0f} MB/s | SHA-256 ceiling {ceiling/1e6:.0f} MB/s | {bytes/tp/ceiling*100:.0f}% of ceiling (target >= 80%) |")
print(f"| manifest build vs aide --init (sha256) | {tp:.2f} s | aide {ta:.2f} s | {ta/tp:.1f}x faster (target >= 10x) |")
print(f"| manifest build vs aide --init, num_workers={$cores} | {tp:.2f} s | aide {tam:.2f} s | {tam/tp:.1f}x faster |")
print(f"| manifest build vs sha256sum on {$cores} cores | {tp:.2f} s | sha256sum {ts:.2f} s | {ts/tp:.2f}x |")
print(f"| re-check of unchanged 100k-file tree | {tr*1000:.0f} ms | find -ls {tf*1000:.0f} ms | {tr/tf:.2f}x find (target < 500 ms) |")
print(f"| peak RSS, manifest build of $TREE | {$rss_tree/1024:.1f} MB | | |")
print(f"| peak RSS, 100k-file manifest build | {$rss_build/1024:.1f} MB | | target < 64 MB |")
print(f"| peak RSS, 100k-file check | {$rss_check/1024:.1f} MB | | target < 64 MB |")
print(f"| agent daemon idle, demo root | {$idle_demo_rss} MB RSS, {$idle_demo_cpu}% CPU | | target <= 20 MB |")
print(f"| agent daemon idle, 100k-file root | {$idle_100k_rss} MB RSS, {$idle_100k_cpu}% CPU | | target <= 20 MB |")
PY
