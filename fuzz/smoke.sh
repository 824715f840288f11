#!/usr/bin/env bash
# Runs every fuzz target for a bounded time (default 60 s each), one job,
# without a sanitizer, so it works on stable Rust:
#
#   fuzz/smoke.sh          # 60 s per target
#   fuzz/smoke.sh 600      # 10 minutes per target
#   fuzz/smoke.sh --dev 10 # an unoptimised build, 10 s per target (CI)
#
# Installs cargo-fuzz if it is missing. Each target starts from its corpus
# in fuzz/corpus/TARGET (kept between runs, not committed) and the seeds
# in fuzz/seeds/TARGET. A failure is saved under fuzz/artifacts/TARGET/
# (the panic message of `differential` includes a minimal case and a
# #[test] to paste into tests/suite/fuzz_regressions.rs); the script then exits 1.
# With AddressSanitizer (nightly): RUSTC_BOOTSTRAP=1 cargo fuzz run TARGET.
set -uo pipefail
cd "$(dirname "$0")"
# `--dev` builds without optimisation and with debug assertions (integer
# overflow checks included): the build takes a fraction of the optimised
# one's time, for far fewer inputs a second. CI's short run uses it; long
# runs should not.
profile=()
if [[ "${1:-}" == "--dev" ]]; then
    profile=(--dev)
    shift
fi
seconds="${1:-60}"

if ! command -v cargo-fuzz >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked || exit 1
fi
# Strips run on rayon: one thread keeps the run to one core.
export RAYON_NUM_THREADS="${RAYON_NUM_THREADS:-1}"
# FUZZ_SEED fixes libFuzzer's random seed (CI sets it, as it does proptest's).
seed=()
if [[ -n "${FUZZ_SEED:-}" ]]; then
    seed=(-seed="$FUZZ_SEED")
fi

# cargo-fuzz builds optimised code as one codegen unit, which keeps the
# library's build on one core; sixteen units let every core build it, for
# fuzz runs a little slower per input. Build and run must pass the same
# flags, or the run builds again.
build=(-s none --codegen-units 16 "${profile[@]}")
cargo fuzz build "${build[@]}" || exit 1
failed=()
for target in differential misuse tiles; do
    case "$target" in
        # Images of up to 48 x 48 x 4 samples need long inputs at once.
        differential) options=(-max_len=8192 -len_control=0) ;;
        *) options=(-max_len=4096) ;;
    esac
    mkdir -p "corpus/$target" "seeds/$target"
    echo "== fuzz $target for ${seconds} s"
    if ! cargo fuzz run "${build[@]}" "$target" "corpus/$target" "seeds/$target" -- \
        -max_total_time="$seconds" -timeout=60 -print_final_stats=1 "${options[@]}" "${seed[@]}" 2>&1 |
        grep -a -v -E "NEW_FUNC|^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse)"; then
        failed+=("$target")
    fi
done
if ((${#failed[@]})); then
    echo "fuzz targets failed: ${failed[*]} (see fuzz/artifacts/)"
    exit 1
fi
echo "fuzz smoke run passed: ${seconds} s per target"
