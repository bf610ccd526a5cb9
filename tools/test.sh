#!/usr/bin/env bash
# loadkit's whole CI in one command: `bash tools/test.sh` from the repository root (also .ci/run).
# Installs missing Debian 12 packages, then runs these steps in order, each in its own build dir
# under build/ci-* (or $LOADKIT_BUILD_ROOT), stopping at the first failure with `== FAILED: <step>`:
#   a  version consistency, single header freshness, README snippets = compiled examples, the layout
#      (tools/check_layout.py: data-flow order, public names outside detail/, no include cycles),
#      clang-format
#   b  g++ Release: tests, examples, benchmarks (built, not run), header self-containment, the compiled
#      library (loadkit::compiled, as the demo builds it); JSON reports checked against
#      docs/report.schema.json; the test-framework adapters (GoogleTest, doctest, Catch2 v2 vendored,
#      v3 amalgamated: tests/adapters, each with a failing SLO whose output must be the verdict)
#   c  clang-16 RelWithDebInfo, separate compilation (loadkit::compiled): tests, header self-containment
#   d  g++ Debug + ASan + UBSan, separate compilation: tests, examples (Debug also runs the deep-await
#      test at -O0)
#   e  clang-16 TSan (RelWithDebInfo at -O1), separate compilation: tests
#   f  meson (g++, -O0), separate compilation (loadkit_compiled_dep): tests
#   g  g++ -O0 against single_include/loadkit/loadkit.hpp: tests, the adapters' tests against their
#      single headers (loadkit_gtest.hpp ...); the single headers copied flat into a folder of another
#      name, and the quick start and the examples that include only loadkit.hpp against them, g++ and
#      clang-16 under strict flags (tools/check_single_headers.sh)
#   h  install, then build and run consumers: find_package() (installed, installed with
#      loadkit::compiled, and build tree), pkg-config, add_subdirectory(); meson: a subproject
#      consumer, and meson install + pkg-config; find_package(loadkit 0.0.5) refused; the vcpkg
#      port's layout and the Conan recipe's package (tools/check_packaging.sh)
#   j  libFuzzer (clang-16, ASan + UBSan): each harness of tests/fuzz/ for $LOADKIT_CI_FUZZ_SECONDS
#      (default 30) from its seeds and the corpus kept in build/fuzz; any crash, leak, hang or
#      allocation over the limit fails (tools/fuzz.sh, which runs them longer on demand)
#   i  ctest of step b once more, so the output ends with ctest's closing summary (runs last, after j)
# Each costly thing is built where it adds something, to keep CI under 30 minutes on 2 cores: the
# examples in b and d, the header check in b (header-only) and c (separate); the meson and
# single-header builds check the build definition and the amalgam, so they compile the tests at -O0.
# Environment: LOADKIT_CI_STEPS=b,d runs a subset; LOADKIT_BUILD_ROOT moves the build dirs (and the
# fuzzers' corpus); LOADKIT_CI_FUZZ_SECONDS sets step j's time per fuzzer;
# LOADKIT_JOBS (default 2) sets build parallelism; LOADKIT_CTEST_JOBS (default 1) test parallelism.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
BUILD_ROOT=${LOADKIT_BUILD_ROOT:-$ROOT/build}
STEPS=${LOADKIT_CI_STEPS:-a,b,c,d,e,f,g,h,j,i}
JOBS=${LOADKIT_JOBS:-2}
CTEST_JOBS=${LOADKIT_CTEST_JOBS:-1}
export DEBIAN_FRONTEND=noninteractive

for step in ${STEPS//,/ }; do
    [[ $step == [a-j] ]] || { echo "== FAILED: LOADKIT_CI_STEPS has unknown step '$step' (known: a-j)"; exit 2; }
done

# --- packages --------------------------------------------------------------------------------
ensure_packages() {
    command -v dpkg-query >/dev/null || { echo "== not Debian: assuming $* are installed"; return 0; }
    local missing=() package
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
    done
    ((${#missing[@]} == 0)) && return 0
    echo "== installing ${missing[*]}"
    local sudo=()
    [[ $(id -u) == 0 ]] || sudo=(sudo -n)
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}
ensure_packages g++ cmake ninja-build ccache catch2 clang-16 libclang-rt-16-dev meson pkg-config python3 \
    libbenchmark-dev libasio-dev libxml2-utils clang-format-14 googletest libgtest-dev libgmock-dev doctest-dev

LAUNCHER=()
MESON_CXX=g++
if command -v ccache >/dev/null; then
    LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    MESON_CXX="ccache g++"
    # Relative paths in the cache key: a fresh clone elsewhere reuses this checkout's objects.
    export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$ROOT} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-true}
fi

# --- helpers ---------------------------------------------------------------------------------
# configure_and_build <dir> <cmake args...>
configure_and_build() {
    local dir=$BUILD_ROOT/$1
    shift
    cmake -S "$ROOT" -B "$dir" -G Ninja "${LAUNCHER[@]}" "$@"
    cmake --build "$dir" -j "$JOBS"
}
# run_ctest <dir> [wrapper command...]
run_ctest() {
    "${@:2}" ctest --test-dir "$BUILD_ROOT/$1" --output-on-failure --no-tests=error -j "$CTEST_JOBS"
}

# --- steps -----------------------------------------------------------------------------------
step_a() {
    python3 tools/check_version.py
    python3 tools/amalgamate.py --check # every single header
    python3 tools/check_snippets.py
    python3 tools/check_layout.py
    echo "== clang-format-14 (.clang-format) on every source but the generated single headers"
    git ls-files -z '*.hpp' '*.ipp' '*.cpp' | grep -zv -e '^single_include/' -e '^tests/third_party/' | xargs -0 clang-format-14 --dry-run --Werror
    echo "clang-format: clean"
}

GCC_RELEASE=(ci-gcc-release -DCMAKE_CXX_COMPILER=g++ -DCMAKE_BUILD_TYPE=Release -DLOADKIT_BUILD_TESTS=ON
    -DLOADKIT_BUILD_EXAMPLES=ON -DLOADKIT_BUILD_BENCH=ON -DLOADKIT_WITH_ASIO=ON -DLOADKIT_ADAPTER_TESTS=ON)
step_b() {
    configure_and_build "${GCC_RELEASE[@]}"
    # The compiled library at -O3 under -Werror, as tools/demo.sh builds it (GCC's warnings there
    # depend on what it inlines, which differs from the header-only tests).
    cmake --build "$BUILD_ROOT/ci-gcc-release" -j "$JOBS" --target loadkit_compiled loadkit_compiled_asio
    run_ctest ci-gcc-release
    echo "== JSON reports against docs/report.schema.json"
    rm -rf "$BUILD_ROOT/ci-json"
    "$BUILD_ROOT/ci-gcc-release/examples/loadkit_merge" --demo "$BUILD_ROOT/ci-json" >/dev/null
    python3 tools/check_json_schema.py "$BUILD_ROOT"/ci-json/*.json
}

# Separate compilation (LOADKIT_SEPARATE_COMPILATION, loadkit::compiled) in c, d, e and f; header-only
# in b and g: the whole suite runs in both modes. The sanitizer builds compile loadkit's bodies once
# instead of in every test file, which keeps them affordable.
step_c() {
    configure_and_build ci-clang16 -DCMAKE_CXX_COMPILER=clang++-16 -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DLOADKIT_BUILD_TESTS=ON -DLOADKIT_BUILD_EXAMPLES=OFF -DLOADKIT_BUILD_BENCH=OFF -DLOADKIT_HEADER_CHECK=ON \
        -DLOADKIT_WITH_ASIO=ON -DLOADKIT_SEPARATE_COMPILATION=ON
    run_ctest ci-clang16
}

step_d() {
    configure_and_build ci-asan-ubsan -DCMAKE_CXX_COMPILER=g++ -DCMAKE_BUILD_TYPE=Debug \
        -DLOADKIT_SANITIZE=address,undefined -DLOADKIT_BUILD_TESTS=ON -DLOADKIT_BUILD_EXAMPLES=ON \
        -DLOADKIT_BUILD_BENCH=OFF -DLOADKIT_HEADER_CHECK=OFF -DLOADKIT_WITH_ASIO=ON -DLOADKIT_SEPARATE_COMPILATION=ON
    ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=1:halt_on_error=1 \
        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 run_ctest ci-asan-ubsan
}

# TSan in clang < 18 aborts with "unexpected memory mapping" on kernels with high mmap ASLR entropy;
# probe once and fall back to disabling ASLR (setarch -R), then to g++'s TSan.
tsan_runs() { # <compiler> [wrapper...]: does a threaded TSan program build and run here?
    local compiler=$1 probe=$BUILD_ROOT/ci-tsan/probe
    shift
    mkdir -p "$BUILD_ROOT/ci-tsan"
    printf '#include <thread>\nint main() { int x = 0; std::thread t([&] { x = 1; }); t.join(); return x - 1; }\n' \
        >"$probe.cpp"
    "$compiler" -std=c++20 -fsanitize=thread -O1 "$probe.cpp" -o "$probe" -pthread 2>/dev/null &&
        "$@" "$probe" >/dev/null 2>&1
}
step_e() {
    local compiler=clang++-16 wrapper=()
    if ! tsan_runs clang++-16; then
        if tsan_runs clang++-16 setarch "$(uname -m)" -R; then
            wrapper=(setarch "$(uname -m)" -R)
        else
            compiler=g++
        fi
    fi
    echo "== TSan with $compiler ${wrapper[*]}"
    configure_and_build ci-tsan -DCMAKE_CXX_COMPILER="$compiler" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DLOADKIT_SANITIZE=thread -DLOADKIT_BUILD_TESTS=ON \
        -DLOADKIT_BUILD_EXAMPLES=OFF -DLOADKIT_BUILD_BENCH=OFF -DLOADKIT_HEADER_CHECK=OFF -DLOADKIT_WITH_ASIO=ON \
        -DLOADKIT_SEPARATE_COMPILATION=ON
    TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 run_ctest ci-tsan "${wrapper[@]}"
}

step_f() {
    local dir=$BUILD_ROOT/ci-meson reconfigure=()
    # A setup that failed leaves meson-private/ without a usable build tree: start that one afresh.
    if [[ -f $dir/meson-private/coredata.dat ]]; then reconfigure=(--reconfigure); else rm -rf "$dir"; fi
    CXX=$MESON_CXX meson setup "${reconfigure[@]}" "$dir" --buildtype=plain \
        -Dtests=enabled -Dexamples=disabled -Dasio=enabled -Dseparate_compilation=true
    meson compile -C "$dir" -j "$JOBS"
    meson test -C "$dir" --print-errorlogs --num-processes "$CTEST_JOBS"
}

step_g() {
    configure_and_build ci-single-header -DCMAKE_CXX_COMPILER=g++ -DCMAKE_BUILD_TYPE=Debug \
        -DCMAKE_CXX_FLAGS_DEBUG=-O0 -DLOADKIT_SINGLE_HEADER_TESTS=ON -DLOADKIT_BUILD_TESTS=ON \
        -DLOADKIT_BUILD_EXAMPLES=OFF -DLOADKIT_BUILD_BENCH=OFF -DLOADKIT_WITH_ASIO=ON -DLOADKIT_ADAPTER_TESTS=ON
    run_ctest ci-single-header
    # As users copy them: flat in a folder of another name, and as third_party/loadkit/.
    bash "$ROOT/tools/check_single_headers.sh" "$BUILD_ROOT/ci-single-header/flat"
}

step_h() {
    local dir=$BUILD_ROOT/ci-install prefix=$BUILD_ROOT/ci-install/prefix
    local consumer=$ROOT/tests/package/find_package_consumer
    rm -rf "$prefix" "$BUILD_ROOT"/ci-consumer-*
    # Installed with --prefix unlike the configured one: the package files must be relocatable.
    cmake -S "$ROOT" -B "$dir" -G Ninja -DLOADKIT_INSTALL=ON -DLOADKIT_BUILD_TESTS=OFF \
        -DLOADKIT_BUILD_EXAMPLES=OFF -DLOADKIT_BUILD_BENCH=OFF
    cmake --install "$dir" --prefix "$prefix"

    echo "== find_package(loadkit) from the install prefix"
    cmake -S "$consumer" -B "$BUILD_ROOT/ci-consumer-install" -G Ninja -DCMAKE_CXX_COMPILER=g++ \
        -DCMAKE_PREFIX_PATH="$prefix"
    cmake --build "$BUILD_ROOT/ci-consumer-install"
    "$BUILD_ROOT/ci-consumer-install/consumer"
    echo "== find_package(loadkit 0.0.5) is refused by this install (0.x: the minor must match)"
    if cmake -S "$consumer" -B "$BUILD_ROOT/ci-consumer-old" -G Ninja -DCMAKE_CXX_COMPILER=g++ \
        -DCMAKE_PREFIX_PATH="$prefix" -DLOADKIT_CONSUMER_WANTS=0.0.5 >"$BUILD_ROOT/ci-consumer-old.log" 2>&1; then
        echo "find_package(loadkit 0.0.5) accepted this install"
        return 1
    fi
    grep -q 'not compatible\|Could not find a configuration file' "$BUILD_ROOT/ci-consumer-old.log" || {
        cat "$BUILD_ROOT/ci-consumer-old.log"
        return 1
    }

    echo "== find_package(loadkit) + loadkit::compiled (LOADKIT_INSTALL_COMPILED=ON)"
    local cprefix=$BUILD_ROOT/ci-install-compiled/prefix
    rm -rf "$BUILD_ROOT/ci-install-compiled"
    cmake -S "$ROOT" -B "$BUILD_ROOT/ci-install-compiled" -G Ninja "${LAUNCHER[@]}" -DCMAKE_CXX_COMPILER=g++ \
        -DCMAKE_BUILD_TYPE=Release -DLOADKIT_INSTALL=ON -DLOADKIT_INSTALL_COMPILED=ON -DLOADKIT_BUILD_TESTS=OFF \
        -DLOADKIT_BUILD_EXAMPLES=OFF -DLOADKIT_BUILD_BENCH=OFF
    cmake --build "$BUILD_ROOT/ci-install-compiled" -j "$JOBS"
    cmake --install "$BUILD_ROOT/ci-install-compiled" --prefix "$cprefix"
    cmake -S "$consumer" -B "$BUILD_ROOT/ci-consumer-compiled" -G Ninja -DCMAKE_CXX_COMPILER=g++ \
        -DCMAKE_PREFIX_PATH="$cprefix" -DLOADKIT_CONSUMER_TARGET=loadkit::compiled
    cmake --build "$BUILD_ROOT/ci-consumer-compiled"
    "$BUILD_ROOT/ci-consumer-compiled/consumer"

    echo "== find_package(loadkit) from the build tree (loadkit_DIR)"
    cmake -S "$consumer" -B "$BUILD_ROOT/ci-consumer-buildtree" -G Ninja -DCMAKE_CXX_COMPILER=g++ \
        -Dloadkit_DIR="$dir"
    cmake --build "$BUILD_ROOT/ci-consumer-buildtree"
    "$BUILD_ROOT/ci-consumer-buildtree/consumer"

    echo "== pkg-config loadkit"
    local cflags
    cflags=$(PKG_CONFIG_PATH="$prefix/share/pkgconfig" pkg-config --cflags loadkit)
    echo "pkg-config --cflags loadkit: $cflags"
    mkdir -p "$BUILD_ROOT/ci-consumer-pkgconfig"
    # shellcheck disable=SC2086 # cflags is a list of flags
    g++ -std=c++20 -Wall -Wextra -Wpedantic -Werror -Wshadow -Wconversion -Wsign-conversion $cflags \
        "$consumer/main.cpp" -pthread -o "$BUILD_ROOT/ci-consumer-pkgconfig/consumer"
    "$BUILD_ROOT/ci-consumer-pkgconfig/consumer"

    echo "== add_subdirectory(loadkit)"
    cmake -S "$ROOT/tests/package/add_subdirectory_consumer" -B "$BUILD_ROOT/ci-consumer-subdir" -G Ninja \
        -DCMAKE_CXX_COMPILER=g++
    cmake --build "$BUILD_ROOT/ci-consumer-subdir"
    "$BUILD_ROOT/ci-consumer-subdir/consumer"

    echo "== meson: subproject('loadkit') + dependency('loadkit')"
    local src=$BUILD_ROOT/ci-consumer-meson-src
    rm -rf "$src" "$BUILD_ROOT/ci-consumer-meson"
    mkdir -p "$src/subprojects"
    cp "$ROOT/tests/package/meson_consumer/meson.build" "$consumer/main.cpp" "$src/"
    ln -s "$ROOT" "$src/subprojects/loadkit"
    CXX=g++ meson setup "$BUILD_ROOT/ci-consumer-meson" "$src"
    meson compile -C "$BUILD_ROOT/ci-consumer-meson"
    "$BUILD_ROOT/ci-consumer-meson/consumer"

    echo "== meson install + pkg-config loadkit"
    local mprefix=$BUILD_ROOT/ci-meson-install/prefix
    rm -rf "$BUILD_ROOT/ci-meson-install"
    meson setup "$BUILD_ROOT/ci-meson-install" "$ROOT" --prefix="$mprefix" -Dtests=disabled \
        -Dexamples=disabled -Dasio=disabled
    meson install -C "$BUILD_ROOT/ci-meson-install" --quiet
    cflags=$(PKG_CONFIG_PATH="$mprefix/share/pkgconfig" pkg-config --cflags loadkit)
    echo "pkg-config --cflags loadkit (meson): $cflags"
    # shellcheck disable=SC2086 # cflags is a list of flags
    g++ -std=c++20 -Wall -Wextra -Wpedantic -Werror -Wshadow -Wconversion -Wsign-conversion $cflags \
        "$consumer/main.cpp" -pthread -o "$BUILD_ROOT/ci-meson-install/consumer"
    "$BUILD_ROOT/ci-meson-install/consumer"

    echo "== the vcpkg port and the Conan recipe, as far as they can be proven without the tools"
    bash "$ROOT/tools/check_packaging.sh" "$BUILD_ROOT/ci-packaging"
}

step_j() {
    LOADKIT_BUILD_ROOT=$BUILD_ROOT LOADKIT_JOBS=$JOBS bash tools/fuzz.sh "${LOADKIT_CI_FUZZ_SECONDS:-30}"
}

step_i() {
    print_times
    # Builds only if step b did not run here (or sources changed since).
    configure_and_build "${GCC_RELEASE[@]}"
    run_ctest ci-gcc-release
}

# --- driver ----------------------------------------------------------------------------------
TIMES=()
TOTAL_START=$SECONDS
print_times() {
    echo "== step times (total $((SECONDS - TOTAL_START))s):"
    ((${#TIMES[@]} == 0)) || printf '%s\n' "${TIMES[@]}"
}

run_step() {
    local id=$1 name=$2 start=$SECONDS rc
    [[ ",$STEPS," == *",$id,"* ]] || return 0
    echo
    echo "== step $id: $name"
    # A subshell with errexit of its own: `if ! f` would silently disable set -e inside f.
    set +e
    (
        set -e
        "step_$id"
    )
    rc=$?
    set -e
    if ((rc != 0)); then
        echo "== FAILED: step $id ($name), exit code $rc after $((SECONDS - start))s"
        exit "$rc"
    fi
    # Step i prints nothing after its ctest: CI reads ctest's closing summary as the last lines.
    [[ $id == i ]] && return 0
    echo "== step $id done in $((SECONDS - start))s"
    TIMES+=("$(printf '   %s %5ss  %s' "$id" "$((SECONDS - start))" "$name")")
}

echo "== loadkit CI: steps $STEPS, builds in $BUILD_ROOT, -j$JOBS"
run_step a "version, single header freshness, README snippets, layout, format"
run_step b "g++ 12 Release (tests, examples, bench, header check)"
run_step c "clang-16 RelWithDebInfo, separate compilation (tests, header check)"
run_step d "g++ Debug + ASan + UBSan, separate compilation (tests, examples)"
run_step e "TSan, separate compilation (tests)"
run_step f "meson (g++ -O0), separate compilation: tests"
run_step g "single header (g++ -O0): tests against single_include/loadkit/loadkit.hpp"
run_step h "install + find_package, pkg-config, add_subdirectory and meson consumers"
run_step j "libFuzzer harnesses (clang-16 + ASan + UBSan), ${LOADKIT_CI_FUZZ_SECONDS:-30}s each"

run_step i "final ctest of the g++ Release build"
[[ ",$STEPS," == *",i,"* ]] || print_times
