#!/usr/bin/env bash
# What the kernel alone costs to hand a tree's bytes to user space, without
# any hashing: the floor under any user-space hasher, plumb included.
#
# A small C probe (gcc) runs on every core, each on its share of the tree's
# regular files, in three modes:
#   open    open, fstat, close (no content);
#   read    as open, plus every byte read into a page-aligned buffer;
#   read+16 the same into a buffer 16 bytes past a page, where a plain
#           heap allocation of that size lands;
#   map     as open, plus every file mapped (MAP_POPULATE: every page
#           mapped in, none copied) and unmapped, 8 MiB at a time.
# It prints the CPU time of each mode, the SHA-256 time of the same bytes
# at `openssl speed` (one core), and the CPU budget a build has at 80 % of
# the SHA-256 ceiling, so the two can be compared.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
command -v gcc >/dev/null || apt_install gcc
command -v openssl >/dev/null || apt_install openssl

TREE=${1:-/usr}
cores=$(nproc)
work=$(mktemp -d /tmp/plumb-floor.XXXXXX)
trap 'rm -rf "$work"' EXIT

cat >"$work/probe.c" <<'C'
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

enum { BUF = 256 * 1024 };
static char block[BUF + 4096] __attribute__((aligned(4096)));

int main(int argc, char **argv) {
  if (argc != 4) return 2;
  FILE *list = fopen(argv[1], "r");
  int read_content = atoi(argv[2]);
  char *buf = block + atoi(argv[3]);
  char *line = NULL;
  size_t cap = 0;
  long long bytes = 0;
  if (!list) return 2;
  while (getdelim(&line, &cap, 0, list) > 0) {
    int fd = open(line, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) continue;
    struct stat st;
    if (fstat(fd, &st) == 0 && read_content == 2) {
      for (long long at = 0; at < st.st_size; at += 8 << 20) {
        size_t len = st.st_size - at < (8 << 20) ? st.st_size - at : (8 << 20);
        void *p = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, at);
        if (p == MAP_FAILED) break;
        munmap(p, len);
        bytes += len;
      }
    } else if (read_content) {
      long long left = st.st_size;
      ssize_t n;
      while (left > 0 && (n = read(fd, buf, left < BUF ? left : BUF)) > 0) {
        bytes += n;
        left -= n;
      }
    }
    close(fd);
  }
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("%f %lld\n", ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
                          ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6,
         bytes);
  return 0;
}
C
gcc -O2 -o "$work/probe" "$work/probe.c"

find "$TREE" -xdev -type f -print0 2>/dev/null >"$work/all"
python3 - "$work/all" "$cores" <<'PY'
import sys
names = open(sys.argv[1], "rb").read().split(b"\0")[:-1]
cores = int(sys.argv[2])
for c in range(cores):
    open(f"{sys.argv[1]}.{c}", "wb").write(b"".join(n + b"\0" for n in names[c::cores]))
PY
# Warm the page cache.
xargs -0 -P "$cores" -n 256 cat <"$work/all" >/dev/null 2>&1 || true

run() { # read_content offset -> "cpu_seconds bytes" summed over the cores
  for c in $(seq 0 $((cores - 1))); do
    "$work/probe" "$work/all.$c" "$1" "$2" &
  done | awk '{cpu += $1; bytes += $2} END {printf "%.2f %d\n", cpu, bytes}'
  wait
}
read -r cpu_open _ < <(run 0 0)
read -r cpu_read bytes < <(run 1 0)
read -r cpu_read16 _ < <(run 1 16)
read -r cpu_map _ < <(run 2 0)
files=$(tr -cd '\0' <"$work/all" | wc -c)
single=$(openssl speed -evp sha256 -bytes 16384 -seconds 3 2>/dev/null | awk '/^sha256/ {sub("k","",$2); print $2 * 1000}')

python3 - <<PY
cores, files, nbytes, single = $cores, $files, $bytes, $single
sha = nbytes / single
budget = cores * nbytes / (0.8 * cores * single)
print(f"== tree $TREE: {files} regular files, {nbytes/1e6:.0f} MB; openssl sha256 {single/1e6:.0f} MB/s per core")
print(f"| work, CPU seconds summed over {cores} cores | s |")
print(f"|---|---|")
print(f"| open + fstat + close every file | {$cpu_open:.2f} |")
print(f"| ... and read every byte (page-aligned buffer) | {$cpu_read:.2f} |")
print(f"| ... and read every byte (buffer 16 bytes past a page) | {$cpu_read16:.2f} |")
print(f"| ... and map every byte instead (MAP_POPULATE, 8 MiB windows) | {$cpu_map:.2f} |")
print(f"| SHA-256 of every byte at openssl's speed | {sha:.2f} |")
print(f"| CPU budget of a build at 80 % of the SHA-256 ceiling | {budget:.2f} |")
print(f"| left for all that is not SHA-256 | {budget - sha:.2f} |")
PY
