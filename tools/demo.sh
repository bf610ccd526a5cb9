#!/usr/bin/env bash
# loadkit's demo in one command: `bash tools/demo.sh [demo arguments]` from the repository root.
# Installs missing Debian 12 packages, builds examples/demo.cpp (Release, build/demo) and runs it;
# arguments are passed to the demo. The build's output is shown only if the build fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DEBIAN_FRONTEND=noninteractive

missing=()
if command -v dpkg-query >/dev/null; then
    for package in g++ cmake ninja-build; do
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
echo "demo: building examples/demo.cpp (Release, build/demo)..." >&2
if ! { cmake -S . -B build/demo -G Ninja -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" \
    -DLOADKIT_BUILD_EXAMPLES=ON -DLOADKIT_BUILD_TESTS=OFF -DLOADKIT_BUILD_BENCH=OFF -DLOADKIT_INSTALL=OFF &&
    cmake --build build/demo --target demo -j 2; } >build/demo/build.log 2>&1; then
    cat build/demo/build.log >&2
    echo "demo: build failed (log: build/demo/build.log)" >&2
    exit 1
fi
exec ./build/demo/examples/demo "$@"
