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
#           mapped in, none copied) and unmapped, 8 MiB at a time;
#   walk    what no walk can avoid, found by the probe itself: every
#           directory opened relative to its parent (openat O_NOFOLLOW |
#           O_DIRECTORY) and listed (getdents64), every regular file (by
#           d_type, no lstat) opened relative to it, read and closed.
# It prints the CPU time of each mode, the SHA-256 time of the same bytes
# at `openssl speed` (one core), and the CPU budget a build has at 80 % of
# the SHA-256 ceiling, so the two can be compared. With a release
# plumb-agent built, it also times `manifest build` of the tree against
# the whole floor (walk + SHA-256, spread over the cores).
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
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

enum { BUF = 256 * 1024 };
static char block[BUF + 4096] __attribute__((aligned(4096)));

static long long walk_bytes;

/* Lists `dir` (owned), reads its regular files, recurses into its
   directories: everything relative to descriptors. */
static void walk(int dir, char *buf) {
  DIR *d = fdopendir(dir);
  if (!d) { close(dir); return; }
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.' && (e->d_name[1] == 0 || (e->d_name[1] == '.' && e->d_name[2] == 0)))
      continue;
    if (e->d_type == DT_DIR) {
      int sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub >= 0) walk(sub, buf);
    } else if (e->d_type == DT_REG) {
      int fd = openat(dirfd(d), e->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
      if (fd < 0) continue;
      ssize_t n;
      while ((n = read(fd, buf, BUF)) > 0) walk_bytes += n;
      close(fd);
    }
  }
  closedir(d);
}

int main(int argc, char **argv) {
  if (argc == 3 && atoi(argv[2]) == 3) {
    /* walk mode: argv[1] lists start directories, NUL-separated */
    FILE *list = fopen(argv[1], "r");
    char *line = NULL;
    size_t cap = 0;
    if (!list) return 2;
    while (getdelim(&line, &cap, 0, list) > 0) {
      int fd = open(line, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd >= 0) walk(fd, block);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("%f %lld\n", ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
                            ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6,
           walk_bytes);
    return 0;
  }
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
# The walk, from the tree's root (CPU time is what is summed, so one
# process does it; -xdev as above is not needed: /usr is one filesystem).
# Best of three, as the build below is.
printf '%s\0' "$TREE" >"$work/dirs"
read -r cpu_walk walk_bytes < <(for _ in 1 2 3; do "$work/probe" "$work/dirs" 3; done | sort -n | head -1)
agent=target/release/plumb-agent
t_build=0
if [ -x "$agent" ]; then
  # Best of three, page cache hot.
  t_build=$(python3 - "$agent" "$TREE" "$work/m.pb" <<'PY'
import subprocess, sys, time
agent, tree, out = sys.argv[1:]
best = None
for _ in range(3):
    t = time.monotonic()
    subprocess.run([agent, "manifest", "build", "--root", tree, "--image-id", "floor", "-o", out],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    t = time.monotonic() - t
    best = t if best is None else min(best, t)
print(f"{best:.3f}")
PY
)
fi
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
walk_cpu, walk_bytes, t_build = $cpu_walk, $walk_bytes, float("$t_build")
print(f"| walk: list (getdents64), open, read, close every file ({walk_bytes/1e6:.0f} MB), best of 3 | {walk_cpu:.2f} |")
floor = (walk_cpu + walk_bytes / single) / cores
print(f"| the whole floor over {cores} cores: (walk + SHA-256 of its bytes) / {cores} | {floor:.2f} s wall |")
if t_build > 0:
    print(f"| plumb manifest build of $TREE, best of 3 | {t_build:.2f} s wall: {100 * floor / t_build:.0f} % of the floor's speed (target >= 90 %) |")
PY
