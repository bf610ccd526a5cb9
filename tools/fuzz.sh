#!/usr/bin/env bash
# Builds loadkit's libFuzzer harnesses (tests/fuzz/, clang++-16 with -fsanitize=fuzzer,address,undefined)
# and runs each in turn for a bounded time, one process at a time, then prints per fuzzer the
# executions, executions per second, coverage (libFuzzer's cov: edges, ft: features), corpus size and
# peak RSS. Exit status 1 if any fuzzer found a crash, a leak, a timeout or an allocation over the
# limit; its reproducer is in <build>/artifacts/ and the log's tail is printed.
#
#   bash tools/fuzz.sh                  # every fuzzer, 180 s each
#   bash tools/fuzz.sh 600 hlog json    # these two, 10 min each
#   build/fuzz/tests/fuzz/fuzz_hlog build/fuzz/artifacts/crash-...   # replay a reproducer
#
# The corpus each run grows lives in <build>/corpus/<fuzzer> (kept between runs, seeded from
# tests/fuzz/corpus/<fuzzer>, which it never writes). Limits: -malloc_limit_mb (one allocation;
# the readers' default bounds keep every allocation far below it), -rss_limit_mb and a per-input
# -timeout, so "reads without bound" and "hangs" count as findings.
# Environment: LOADKIT_BUILD_ROOT (default build/) holds the build in fuzz/; LOADKIT_JOBS (default 1)
# sets build parallelism; LOADKIT_FUZZ_SECONDS is the default time per fuzzer; CXX_FUZZ the compiler.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
BUILD=${LOADKIT_BUILD_ROOT:-$ROOT/build}/fuzz
SECONDS_EACH=${1:-${LOADKIT_FUZZ_SECONDS:-180}}
shift || true
ALL=(slo hlog hlog_payload json http_response)
FUZZERS=("$@")
((${#FUZZERS[@]} > 0)) || FUZZERS=("${ALL[@]}")
for name in "${FUZZERS[@]}"; do
    [[ " ${ALL[*]} " == *" $name "* ]] || { echo "fuzz.sh: unknown fuzzer '$name' (known: ${ALL[*]})"; exit 2; }
done
[[ $SECONDS_EACH =~ ^[1-9][0-9]*$ ]] || { echo "fuzz.sh: seconds per fuzzer must be a positive integer, not '$SECONDS_EACH'"; exit 2; }

LAUNCHER=()
if command -v ccache >/dev/null; then
    LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$ROOT} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-true}
fi
cmake -S "$ROOT" -B "$BUILD" -G Ninja "${LAUNCHER[@]}" -DCMAKE_CXX_COMPILER="${CXX_FUZZ:-clang++-16}" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLOADKIT_BUILD_FUZZERS=ON -DLOADKIT_BUILD_TESTS=OFF \
    -DLOADKIT_BUILD_EXAMPLES=OFF -DLOADKIT_BUILD_BENCH=OFF -DLOADKIT_INSTALL=OFF >/dev/null
cmake --build "$BUILD" -j "${LOADKIT_JOBS:-1}" --target "${FUZZERS[@]/#/fuzz_}"

mkdir -p "$BUILD/artifacts" "$BUILD/logs"
SUMMARY=()
FAILED=()
for name in "${FUZZERS[@]}"; do
    corpus=$BUILD/corpus/$name
    log=$BUILD/logs/$name.log
    mkdir -p "$corpus"
    dict=()
    [[ -f $ROOT/tests/fuzz/$name.dict ]] && dict=(-dict="$ROOT/tests/fuzz/$name.dict")
    echo "== fuzz_$name for ${SECONDS_EACH}s (log: $log)"
    set +e
    # Leak detection on: a reader that leaks on an error path is a finding too.
    ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0 UBSAN_OPTIONS=print_stacktrace=1 \
        "$BUILD/tests/fuzz/fuzz_$name" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=1536 \
        -malloc_limit_mb=256 -print_final_stats=1 -artifact_prefix="$BUILD/artifacts/$name-" "${dict[@]}" \
        "$corpus" "$ROOT/tests/fuzz/corpus/$name" >"$log" 2>&1
    rc=$?
    set -e
    # The last status line ("#N ... cov: C ft: F corp: K/S ... exec/s: E rss: R") and the final stats.
    status=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
    field() { sed -nE "s/.* $1: ([^ ]+).*/\\1/p" <<<"$status"; }
    execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$log" | tail -n 1)
    rate=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+)/\1/p' "$log" | tail -n 1)
    peak=$(sed -nE 's/^stat::peak_rss_mb: *([0-9]+)/\1/p' "$log" | tail -n 1)
    row=$(printf '%-14s %11s %9s %7s %7s %9s %7s' "$name" "${execs:-?}" "${rate:-?}" "$(field cov)" "$(field ft)" \
        "$(field corp | cut -d/ -f1)" "${peak:-?}")
    if ((rc != 0)); then
        row+="  FAILED (exit $rc)"
        FAILED+=("$name")
        echo "== fuzz_$name FAILED (exit $rc); the log ends:"
        tail -n 40 "$log"
        ls -t "$BUILD/artifacts/$name-"* 2>/dev/null | head -n 1 | sed 's/^/== reproducer: /' || true
    fi
    SUMMARY+=("$row")
done

echo "== fuzz summary (${SECONDS_EACH}s each; cov = edges, ft = features, corpus = inputs kept):"
printf '%-14s %11s %9s %7s %7s %9s %7s\n' fuzzer execs exec/s cov ft corpus rss_mb
printf '%s\n' "${SUMMARY[@]}"
if ((${#FAILED[@]} > 0)); then
    echo "== fuzz: findings in ${FAILED[*]} (reproducers in $BUILD/artifacts/)"
    exit 1
fi
