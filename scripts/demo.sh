#!/usr/bin/env bash
# The main job, on one machine: builds plumb, lays out a demo node root,
# records its golden-image manifest and checks it, clean and then drifted.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
ensure_rust

cargo build --release --locked -p plumb-agent
bin=target/release
demo=${PLUMB_DEMO_DIR:-$(mktemp -d /tmp/plumb-demo.XXXXXX)}
root=$demo/root

"$bin/plumb-agent" demo-root "$root"
"$bin/plumb-agent" manifest build --root "$root" --image-id demo-image-1 -o "$demo/manifest.pb"
"$bin/plumb-agent" manifest show "$demo/manifest.pb"
echo
"$bin/plumb-agent" check --manifest "$demo/manifest.pb" --root "$root" --state-dir "$demo/state" || true
echo
echo "Now drifting the node: hot-patching /usr/bin/ls, adding a setuid shell."
printf 'patched' >> "$root/usr/bin/ls"
cp "$root/usr/bin/cat" "$root/usr/local/bin/rootshell" && chmod 4755 "$root/usr/local/bin/rootshell"
"$bin/plumb-agent" check --manifest "$demo/manifest.pb" --root "$root" --state-dir "$demo/state" || true
