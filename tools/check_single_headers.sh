#!/usr/bin/env bash
# The single headers as a user copies them (CI step g; runs alone too):
#  1. copied flat into a folder of another name (vendor_x/), each of loadkit_report.hpp and
#     loadkit_asio.hpp compiles included first and alone (it finds loadkit.hpp beside it), and all
#     three together in either order;
#  2. copied into third_party/loadkit/ as the README shows, the quick start and every example that
#     includes only <loadkit/loadkit.hpp> compile; the quick start links against one
#     LOADKIT_IMPLEMENTATION TU and runs;
# with g++ and clang++-16 under a consumer's strict flags. Usage: tools/check_single_headers.sh [dir]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
DIR=${1:-$ROOT/build/single-header-flat}
rm -rf "$DIR"
mkdir -p "$DIR/vendor_x" "$DIR/third_party/loadkit" "$DIR/obj"
cp single_include/loadkit/*.hpp "$DIR/vendor_x/"
cp single_include/loadkit/*.hpp "$DIR/third_party/loadkit/"

STRICT=(-std=c++20 -Wall -Wextra -Wpedantic -Werror -Wshadow -Wconversion -Wsign-conversion)
COMPILERS=(g++)
command -v clang++-16 >/dev/null && COMPILERS+=(clang++-16)

consumer() { # name, then the lines of the TU
    local name=$1
    shift
    printf '%s\n' "$@" >"$DIR/$name.cpp"
}
consumer report_alone '#include "vendor_x/loadkit_report.hpp"' \
    'int main() { return loadkit::to_json(loadkit::run_report{}).empty() ? 1 : 0; }'
consumer asio_alone '#include "vendor_x/loadkit_asio.hpp"' \
    'int main() { asio::io_context io; loadkit::asio_executor ex(io); (void)ex; }'
consumer all_three '#include "vendor_x/loadkit_asio.hpp"' '#include "vendor_x/loadkit_report.hpp"' \
    '#include "vendor_x/loadkit.hpp"' \
    'int main() { return loadkit::to_csv(loadkit::run_report{}).empty() ? 1 : 0; }'
consumer implementation '#define LOADKIT_IMPLEMENTATION' '#include "vendor_x/loadkit.hpp"' \
    '#include "vendor_x/loadkit_report.hpp"'

examples=("$ROOT/examples/quickstart.cpp")
for example in "$ROOT"/examples/*.cpp; do
    [[ $example == */quickstart.cpp ]] && continue
    # Examples whose only loadkit include is the umbrella claim to build from the single header.
    if ! grep -E '^#include <loadkit/' "$example" | grep -qv '^#include <loadkit/loadkit.hpp>$'; then
        examples+=("$example")
    fi
done

for cxx in "${COMPILERS[@]}"; do
    echo "== $cxx: single headers flat in vendor_x/ (header-only and separate compilation)"
    for tu in report_alone asio_alone all_three; do
        "$cxx" "${STRICT[@]}" -I"$DIR" -fsyntax-only "$DIR/$tu.cpp"
        "$cxx" "${STRICT[@]}" -I"$DIR" -DLOADKIT_SEPARATE_COMPILATION -fsyntax-only "$DIR/$tu.cpp"
    done
    "$cxx" "${STRICT[@]}" -O0 -I"$DIR" -DLOADKIT_SEPARATE_COMPILATION -c "$DIR/implementation.cpp" \
        -o "$DIR/obj/implementation-$cxx.o"
    echo "== $cxx: ${#examples[@]} examples from third_party/loadkit/ (the quick start built and run)"
    for example in "${examples[@]}"; do
        "$cxx" "${STRICT[@]}" -I"$DIR/third_party" -DLOADKIT_SEPARATE_COMPILATION -fsyntax-only "$example"
    done
    "$cxx" "${STRICT[@]}" -O0 -I"$DIR/third_party" -DLOADKIT_SEPARATE_COMPILATION \
        "$ROOT/examples/quickstart.cpp" "$DIR/obj/implementation-$cxx.o" -pthread -o "$DIR/quickstart-$cxx"
    "$DIR/quickstart-$cxx" >"$DIR/quickstart-$cxx.out"
    grep -q 'PASS' "$DIR/quickstart-$cxx.out" || {
        echo "check_single_headers.sh: the quick start ($cxx) printed no PASS verdict:"
        cat "$DIR/quickstart-$cxx.out"
        exit 1
    }
done
echo "check_single_headers.sh: flat copies and ${#examples[@]} examples build with ${COMPILERS[*]}"
