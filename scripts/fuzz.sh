#!/usr/bin/env bash
# The fuzz targets of plumb (cargo fuzz, nightly toolchain):
#   agent/fuzz:     image_layer image_archive_shaped dpkg_status apk_installed apk_installed_shaped rpm_header
#                   rpm_header_shaped rpm_database
#                   proc_net manifest toml_files
#   collector/fuzz: agent_message
#
#   scripts/fuzz.sh list                 the targets
#   scripts/fuzz.sh seed                 (re)write the seed inputs from the fixtures
#   scripts/fuzz.sh run [SECS] [TARGET…] fuzz each target SECS seconds (default
#                                        600), one after another, then minimise
#                                        its corpus; a failing input is copied
#                                        to <crate>/fuzz/regressions/<target>/
#
# Committed corpora and regression inputs are replayed by the ordinary test
# suite (agent/tests/hostile_input.rs, collector ingest tests), so a fixed
# crash stays fixed without nightly.
set -euo pipefail
cd "$(dirname "$0")/.."

AGENT_TARGETS=(image_layer image_archive_shaped dpkg_status apk_installed apk_installed_shaped rpm_header rpm_header_shaped rpm_database proc_net manifest toml_files)
COLLECTOR_TARGETS=(agent_message)

crate_of() {
    local t
    for t in "${COLLECTOR_TARGETS[@]}"; do [[ $t == "$1" ]] && { echo collector; return; }; done
    for t in "${AGENT_TARGETS[@]}"; do [[ $t == "$1" ]] && { echo agent; return; }; done
    echo "unknown fuzz target: $1 (see: scripts/fuzz.sh list)" >&2
    exit 64
}

ensure_cargo_fuzz() {
    rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
    command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
}

cmd=${1:-run}
shift || true
case $cmd in
list)
    printf '%s\n' "${AGENT_TARGETS[@]}" "${COLLECTOR_TARGETS[@]}"
    ;;
seed)
    PLUMB_FUZZ_SEEDS=$PWD/agent/fuzz/corpus cargo test -q -p plumb-agent --test hostile_input -- --ignored write_fuzz_seeds
    PLUMB_FUZZ_SEEDS=$PWD/collector/fuzz/corpus cargo test -q -p plumb-collector --lib -- --ignored write_fuzz_seeds
    ;;
run)
    secs=${1:-600}
    shift || true
    targets=("$@")
    [[ ${#targets[@]} -gt 0 ]] || targets=("${AGENT_TARGETS[@]}" "${COLLECTOR_TARGETS[@]}")
    ensure_cargo_fuzz
    for t in "${targets[@]}"; do
        crate=$(crate_of "$t")
        echo "== $crate/$t: fuzzing for ${secs}s"
        status=0
        # A single allocation above 256 MB from an input of a few KB, or an
        # input taking over 10 s, is a finding like a crash.
        # The sanitizer keeps freed memory a while; a smaller quarantine keeps
        # the RSS of targets that allocate up to the memory ceiling low.
        # The shaped targets build large inputs themselves and let the
        # parser allocate up to its memory ceiling each run; the
        # sanitizer's allocator keeps what they free, so they get more RSS.
        rss=1024
        [[ $t == *_shaped ]] && rss=2048
        (cd "$crate" && ASAN_OPTIONS=quarantine_size_mb=64 cargo +nightly fuzz run "$t" -- \
            -max_total_time="$secs" -timeout=10 -malloc_limit_mb=256 -rss_limit_mb="$rss" \
            -print_final_stats=1) || status=$?
        if compgen -G "$crate/fuzz/artifacts/$t/*" >/dev/null; then
            mkdir -p "$crate/fuzz/regressions/$t"
            cp "$crate"/fuzz/artifacts/"$t"/* "$crate/fuzz/regressions/$t/"
            echo "!! $t: failing inputs copied to $crate/fuzz/regressions/$t/" >&2
        fi
        (cd "$crate" && cargo +nightly fuzz cmin "$t" >/dev/null 2>&1) || true
        echo "== $t: corpus $(ls "$crate/fuzz/corpus/$t" | wc -l) inputs, exit $status"
        [[ $status -eq 0 ]] || exit "$status"
    done
    ;;
*)
    echo "usage: scripts/fuzz.sh [list | seed | run [SECS] [TARGET…]]" >&2
    exit 64
    ;;
esac
