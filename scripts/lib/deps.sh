# Shared by scripts/*.sh: install or start what plumb's tests and demo need.
# Everything comes from Debian's packages or crates.io; nothing else.

apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "== installing ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

ensure_rust() {
  if ! command -v cargo >/dev/null; then
    echo "cargo is required (install Rust with rustup)" >&2
    exit 1
  fi
}

ensure_postgres() {
  if ! command -v pg_ctlcluster >/dev/null; then
    apt_install postgresql
  fi
  if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
    echo "== starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
  fi
  export PLUMB_TEST_POSTGRES="${PLUMB_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/test}"
}

ensure_chromium() {
  command -v chromium >/dev/null || apt_install chromium
  export PLUMB_CHROMIUM="${PLUMB_CHROMIUM:-$(command -v chromium)}"
}

# A real container runtime for the container tests: podman with runc
# (crun refuses these machines' hybrid cgroup setup) and busybox for the
# images the tests build.
ensure_podman() {
  command -v podman >/dev/null || apt_install podman
  command -v runc >/dev/null || apt_install runc
  command -v busybox >/dev/null || apt_install busybox-static
  # A second runtime, run for real by the tests with a root of their own.
  command -v containerd >/dev/null || apt_install containerd
  # The Kubernetes recycling example reads plumbctl's JSON with jq.
  command -v jq >/dev/null || apt_install jq
  export PLUMB_PODMAN="${PLUMB_PODMAN:-$(command -v podman)}"
}

ensure_test_deps() {
  ensure_rust
  ensure_podman
  # setpriv (util-linux) runs checks as an unprivileged user in tests.
  command -v setpriv >/dev/null || apt_install util-linux
  ensure_postgres
  ensure_chromium
  # promtool lints /metrics; a real Alertmanager receives the alerts.
  command -v promtool >/dev/null || apt_install prometheus
  [ -x /usr/bin/prometheus-alertmanager ] || apt_install prometheus-alertmanager
  # systemd-analyze measures the units' sandboxing.
  command -v systemd-analyze >/dev/null || apt_install systemd
  # The packages are built (rpmbuild), inspected and installed in a test.
  command -v rpmbuild >/dev/null || apt_install rpm
  command -v readelf >/dev/null || apt_install binutils
  # The Kubernetes manifests are validated against the API's schemas.
  ensure_python_tool kubernetes-validate
  # Patch posture is tested on a real Debian root, made by debootstrap.
  ensure_debian_root "$PWD/target/debian-root"
  export PLUMB_TEST_DEBIAN_ROOT=$PWD/target/debian-root
}

# ensure_debian_root DIR: a minimal Debian 12 root made by debootstrap
# from Debian's packages (its own dpkg database, as an image build would
# leave it), made once and kept.
ensure_debian_root() {
  local dir=$1
  [ -f "$dir/.plumb-complete" ] && return 0
  command -v debootstrap >/dev/null || apt_install debootstrap
  echo "== debootstrap: a minimal Debian 12 root in $dir (once)"
  rm -rf "$dir"
  mkdir -p "$dir"
  if ! debootstrap --variant=minbase bookworm "$dir" >"$dir.log" 2>&1; then
    echo "debootstrap failed; its log ($dir.log) ends:" >&2
    tail -n 20 "$dir.log" >&2
    return 1
  fi
  touch "$dir/.plumb-complete"
}

# ensure_python_tool NAME: a PyPI tool in a virtual environment of the
# project's own (target/python-tools), on PATH: Debian refuses `pip
# install` into the system's Python (externally-managed-environment).
ensure_python_tool() {
  local venv=$PWD/target/python-tools
  export PATH="$venv/bin:$PATH"
  command -v "$1" >/dev/null && return 0
  command -v python3 >/dev/null || apt_install python3
  if [ ! -x "$venv/bin/pip" ]; then
    rm -rf "$venv"
    python3 -m venv "$venv" 2>/dev/null || { apt_install python3-venv && python3 -m venv "$venv"; }
  fi
  echo "== installing $1 into $venv"
  "$venv/bin/pip" install -q "$1"
}

# tree_100k DIR: the benchmarks' 100k-file tree (1,000 directories of 100
# files of 512 bytes, each file's content distinct).
tree_100k() {
  python3 - "$1" <<'PY'
import os, sys
root = sys.argv[1]
for i in range(100_000):
    d = os.path.join(root, "srv", f"d{i // 100:04d}")
    if i % 100 == 0:
        os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"f{i:06d}"), "wb") as f:
        f.write(i.to_bytes(8, "little") * 64)
PY
}

# release_build [EXTRA...]: the binaries users run, built once the same
# way by every script (the workspace's release build of every binary,
# plus EXTRA, e.g. `--example fleet_load`), so no benchmark rebuilds them
# with another feature set.
release_build() {
  cargo build --release --locked --workspace --bins "$@"
}

# reference_build REV [EXAMPLE...]: the collector (and the named examples
# of the workspace) built from git revision REV, once per revision, into
# target/bench-base/REV/release, for benchmarks that measure this tree
# against it in the same run. Prints that directory. What that directory
# already holds is used as it is: a collector built another way (say,
# against a changed dependency) is measured as the reference by putting
# it there and naming the directory as REV.
reference_build() {
  local rev=$1 dir=target/bench-base/$1/release ex args=() src tgt have=1
  shift
  [ -x "$dir/plumb-collector" ] || have=
  for ex in "$@"; do
    args+=(--example "$ex")
    [ -x "$dir/$ex" ] || have=
  done
  if [ -n "$have" ]; then
    echo "$dir"
    return 0
  fi
  echo "building the reference ($rev)..." >&2
  src=$(mktemp -d /tmp/plumb-reference.XXXXXX)
  tgt=$PWD/target/bench-base/build
  if ! git worktree add --detach "$src/tree" "$rev" >/dev/null 2>&1; then
    echo "no revision $rev to build the reference from (nor a reference already in $dir)" >&2
    rm -rf "$src"
    return 1
  fi
  if ! (cd "$src/tree" && CARGO_TARGET_DIR="$tgt" cargo build --release --locked -p plumb-collector --bin plumb-collector "${args[@]}" >&2); then
    echo "the reference ($rev) did not build" >&2
    git worktree remove --force "$src/tree"
    rm -rf "$src"
    return 1
  fi
  mkdir -p "$dir"
  cp "$tgt/release/plumb-collector" "$dir/"
  for ex in "$@"; do cp "$tgt/release/examples/$ex" "$dir/"; done
  git worktree remove --force "$src/tree"
  rm -rf "$src"
  echo "$dir"
}
