#!/usr/bin/env bash
# loadkit's demo in one command: `bash tools/demo.sh [http_load arguments]` from the repository root.
# Installs missing Debian 12 packages, builds examples/http_load.cpp (Release at -O2, as wrk builds;
# build/demo; standalone Asio from libasio-dev; loadkit compiled separately, so the example, the
# parts of loadkit::compiled and the Asio layer build in parallel) and runs it. With no arguments
# http_load load-tests the HTTP server it embeds, over loopback, and prints the report with an SLO
# verdict; with arguments it is the wrk-style tool (e.g. `bash tools/demo.sh -c 64 -d 10s
# http://127.0.0.1:8080/`). The build's output is shown only if the build fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DEBIAN_FRONTEND=noninteractive

missing=()
if command -v dpkg-query >/dev/null; then
    for package in g++ cmake ninja-build libasio-dev; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
    done
fi
if ((${#missing[@]})); then
    echo "demo: installing ${missing[*]}" >&2
    sudo=()
    [[ $(id -u) == 0 ]] || sudo=(sudo -n)
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
mkdir -p build/demo
echo "demo: building examples/http_load.cpp (Release, build/demo)..." >&2
if ! { cmake -S . -B build/demo -G Ninja -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" \
    -DLOADKIT_WITH_ASIO=ON -DLOADKIT_BUILD_EXAMPLES=ON -DLOADKIT_BUILD_TESTS=OFF -DLOADKIT_BUILD_BENCH=OFF \
    -DLOADKIT_INSTALL=OFF -DLOADKIT_SEPARATE_COMPILATION=ON -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" && cmake --build build/demo --target http_load -j 2; } >build/demo/build.log 2>&1; then
    cat build/demo/build.log >&2
    echo "demo: build failed (log: build/demo/build.log)" >&2
    exit 1
fi
exec ./build/demo/examples/http_load "$@"
