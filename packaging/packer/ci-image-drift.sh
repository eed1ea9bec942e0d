#!/usr/bin/env bash
# CI example: fail an image build when a provisioning step changes what an
# earlier step produced. Run inside the image being built (or against its
# mounted root), between two provisioning steps:
#
#   ci-image-drift.sh record ROOT     after step N: record the manifest
#   ci-image-drift.sh verify ROOT     after step N+1: exit 1 on any drift
#
# `verify` prints each deviation (what changed, where) and exits 1, which
# fails the pipeline job; exit 2 is an error of the check itself.
set -euo pipefail
mode=${1:?record or verify}
root=${2:-/}
state=${PLUMB_CI_STATE:-/tmp/plumb-ci}
mkdir -p "$state"
case $mode in
  record)
    # A root checked offline: nothing of it runs here.
    plumb-agent manifest build --root "$root" --image-id "ci-${CI_PIPELINE_ID:-local}" --no-runtime \
      -o "$state/manifest.pb" ${CI_COMMIT_SHA:+--label commit=$CI_COMMIT_SHA}
    ;;
  verify)
    plumb-agent check --manifest "$state/manifest.pb" --root "$root" --state-dir "$state/cache" --full
    ;;
  *)
    echo "usage: $0 record|verify [ROOT]" >&2
    exit 2
    ;;
esac
