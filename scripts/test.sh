#!/usr/bin/env bash
# Runs plumb's whole test suite on a fresh machine: installs or starts what
# the tests need, then formatting, lints and every test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/lib/deps.sh
ensure_test_deps

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo doc (every intra-doc link resolves: module docs name what exists)"
RUSTDOCFLAGS="-D rustdoc::broken_intra_doc_links -A rustdoc::private_intra_doc_links --document-private-items" \
  cargo doc --workspace --no-deps --locked --quiet
echo "== cargo build (the end-to-end tests run the real binaries)"
cargo build --workspace --bins --locked
echo "== cargo test"
cargo test --workspace --locked --no-fail-fast -- --test-threads="${PLUMB_TEST_THREADS:-4}"
