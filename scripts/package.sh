#!/usr/bin/env bash
# Builds the .deb and .rpm packages of plumb into OUT (default
# target/packages):
#   plumb-agent      the node agent, its hardened unit, the `plumb` system
#                    user (sysusers.d), its state directory (tmpfiles.d),
#                    /etc/plumb/agent.toml, completions and man pages;
#   plumb-collector  plumb-collector and plumbctl, the collector's unit,
#                    /etc/plumb/collector-policy.toml and collector.env,
#                    completions and man pages.
# Files under /etc/plumb are configuration (dpkg conffiles, rpm
# %config(noreplace)): an upgrade never overwrites local changes.
#
#   scripts/package.sh [--bin-dir DIR] [OUT]
# Without --bin-dir, binaries are built first with the `dist` profile
# (release plus fat LTO, one codegen unit, stripped); with it, the
# binaries in DIR are packaged (the test suite packages its debug build).
# Binaries are stripped on the way in. PLUMB_PACKAGE_FAST=1 compresses
# with gzip -1 instead of xz (the test suite). Needs dpkg-deb and rpmbuild
# (Debian's `rpm` package, installed when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh

bin_dir=""
if [ "${1:-}" = --bin-dir ]; then
  bin_dir=$2
  shift 2
fi
out=$(realpath -m "${1:-target/packages}")
command -v rpmbuild >/dev/null || apt_install rpm
command -v strip >/dev/null || apt_install binutils
if [ -z "$bin_dir" ]; then
  ensure_rust
  cargo build --profile dist --locked -p plumb-agent -p plumb-collector --bins
  bin_dir=target/dist
fi
bin_dir=$(realpath "$bin_dir")
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
arch=$(dpkg --print-architecture)
rm -rf "$out" && mkdir -p "$out"
stage=$out/staging

# install_bin PKG NAME: the stripped binary, its completions and man pages.
install_bin() {
  local root=$stage/$1 name=$2
  install -D -m 0755 "$bin_dir/$name" "$root/usr/bin/$name"
  strip --strip-unneeded "$root/usr/bin/$name"
  "$root/usr/bin/$name" completions bash | install -D -m 0644 /dev/stdin "$root/usr/share/bash-completion/completions/$name"
  "$root/usr/bin/$name" completions zsh | install -D -m 0644 /dev/stdin "$root/usr/share/zsh/vendor-completions/_$name"
  "$root/usr/bin/$name" completions fish | install -D -m 0644 /dev/stdin "$root/usr/share/fish/vendor_completions.d/$name.fish"
  mkdir -p "$root/usr/share/man/man1"
  "$root/usr/bin/$name" man "$root/usr/share/man/man1"
  gzip -9n "$root/usr/share/man/man1/$name"*.1
}

# common PKG: documentation.
common() {
  install -D -m 0644 README.md "$stage/$1/usr/share/doc/$1/README.md"
  install -D -m 0644 SECURITY.md "$stage/$1/usr/share/doc/$1/SECURITY.md"
}

a=$stage/plumb-agent
install_bin plumb-agent plumb-agent
common plumb-agent
install -D -m 0644 packaging/systemd/plumb-agent.service "$a/usr/lib/systemd/system/plumb-agent.service"
install -D -m 0644 packaging/files/plumb-agent.sysusers "$a/usr/lib/sysusers.d/plumb-agent.conf"
install -D -m 0644 packaging/files/plumb-agent.tmpfiles "$a/usr/lib/tmpfiles.d/plumb-agent.conf"
install -D -m 0644 packaging/files/agent.toml "$a/etc/plumb/agent.toml"

c=$stage/plumb-collector
install_bin plumb-collector plumb-collector
install_bin plumb-collector plumbctl
common plumb-collector
install -D -m 0644 packaging/systemd/plumb-collector.service "$c/usr/lib/systemd/system/plumb-collector.service"
install -D -m 0644 packaging/files/collector-policy.toml "$c/etc/plumb/collector-policy.toml"
install -D -m 0600 packaging/files/collector.env "$c/etc/plumb/collector.env"

if [ -n "${PLUMB_PACKAGE_FAST:-}" ]; then
  deb_compression=(-Zgzip -z1) rpm_payload=w1.gzdio
else
  deb_compression=(-Zxz) rpm_payload=w6.xzdio
fi

# .deb
deb() { # PKG DESCRIPTION...
  local pkg=$1 root=$stage/$1 dir
  shift
  dir=$out/deb/$pkg
  mkdir -p "$out/deb" && cp -a "$root" "$dir"
  mkdir -p "$dir/DEBIAN"
  (cd "$dir" && find etc -type f | sed 's|^|/|' | sort) >"$dir/DEBIAN/conffiles"
  for script in postinst prerm postrm; do
    [ -f "packaging/deb/$pkg.$script" ] && install -m 0755 "packaging/deb/$pkg.$script" "$dir/DEBIAN/$script"
  done
  cat >"$dir/DEBIAN/control" <<CONTROL
Package: $pkg
Version: $version
Architecture: $arch
Maintainer: plumb developers <plumb@localhost>
Section: admin
Priority: optional
Installed-Size: $(du -sk --exclude=DEBIAN "$dir" | cut -f1)
Depends: libc6
Recommends: systemd
Description: $1
$(printf '%s\n' "${@:2}" | sed 's/^/ /')
CONTROL
  dpkg-deb --root-owner-group "${deb_compression[@]}" --build "$dir" "$out/${pkg}_${version}_${arch}.deb" >/dev/null
}
deb plumb-agent "plumb node agent: checks a node against its golden image" \
  "Hashes files, reads package databases and listening ports, and streams" \
  "deviations from the image's manifest to the plumb collector."
deb plumb-collector "plumb collector, dashboard and plumbctl" \
  "Receives the fleet's deviations, applies the replacement policy, and" \
  "serves the dashboard, the REST API, alerts and plumbctl."

# .rpm
rpmbuild -bb --quiet \
  --define "_topdir $out/rpmbuild" \
  --define "_staging $stage" \
  --define "_version $version" \
  --define "_binary_payload $rpm_payload" \
  --define "_rpmdir $out" \
  --define "_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm" \
  packaging/rpm/plumb.spec
echo "stripped binaries:"
for b in "$stage"/*/usr/bin/*; do
  stat -c '%n %s' "$b" | awk '{n = split($1, p, "/"); printf "  %-16s %6.1f MB\n", p[n], $2 / 1e6}'
done
rm -rf "$out/rpmbuild" "$out/deb" "$stage"
echo "packages in $out:"
ls -1 "$out"/*.deb "$out"/*.rpm
