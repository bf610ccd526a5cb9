#!/usr/bin/env bash
# What CI can prove of the vcpkg port and the Conan recipe without vcpkg or Conan (neither can be
# installed here; CI step h runs this):
#  vcpkg  the port's vcpkg.json is valid and names this version; the CMake options of its
#         portfile, replayed as vcpkg_cmake_configure/vcpkg_cmake_install would (Release only), give
#         vcpkg's layout (include/, share/loadkit/ with the config, usage and copyright, no lib/ or
#         debug/); find_package(loadkit) finds that prefix and the consumer builds and runs.
#  Conan  tools/check_conan_recipe.py runs the recipe's methods against a stand-in for the Conan
#         APIs it calls; test_package.cpp compiles against the package it made and runs.
# Unproven here: vcpkg's own scripts (config fixup, copyright, download), Conan's CMakeDeps and the
# release tarball's URL. Usage: tools/check_packaging.sh [work dir]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
DIR=${1:-$ROOT/build/packaging}
PORT=$ROOT/packaging/vcpkg/ports/loadkit
rm -rf "$DIR"
mkdir -p "$DIR"

version=$(sed -n 's/^#define LOADKIT_VERSION_\(MAJOR\|MINOR\|PATCH\) \+\([0-9]\+\)$/\2/p' include/loadkit/version.hpp |
    paste -sd.)
echo "== vcpkg port (loadkit $version)"
python3 - "$PORT/vcpkg.json" "$version" <<'EOF'
import json, sys
manifest = json.load(open(sys.argv[1], encoding="utf-8"))
if manifest.get("name") != "loadkit" or manifest.get("version-semver") != sys.argv[2]:
    sys.exit(f"vcpkg.json: name {manifest.get('name')!r}, version-semver {manifest.get('version-semver')!r} "
             f"(expected 'loadkit', {sys.argv[2]!r})")
if set(manifest.get("features", {})) != {"asio", "zlib"}:
    sys.exit(f"vcpkg.json: features {sorted(manifest.get('features', {}))} (expected asio, zlib)")
EOF
# The OPTIONS of vcpkg_cmake_configure, one per line, as the portfile lists them.
mapfile -t options < <(sed -n '/^vcpkg_cmake_configure(/,/^)/p' "$PORT/portfile.cmake" | sed -n 's/^ *\(-D[^ ]*\)$/\1/p')
((${#options[@]} >= 4)) || { echo "check_packaging.sh: no OPTIONS found in the portfile"; exit 1; }
prefix=$DIR/vcpkg/packages/loadkit_x64-linux
cmake -S "$ROOT" -B "$DIR/vcpkg/build" -G Ninja -DCMAKE_BUILD_TYPE=Release "${options[@]}" >/dev/null
cmake --install "$DIR/vcpkg/build" --prefix "$prefix" >/dev/null
# What the portfile does after the install (vcpkg_install_copyright, the usage file, removals).
rm -rf "$prefix/debug" "$prefix/lib" "$prefix/share/doc"
cp "$PORT/usage" "$prefix/share/loadkit/usage"
cp "$ROOT/LICENSE" "$prefix/share/loadkit/copyright"
for file in include/loadkit/loadkit.hpp include/loadkit/impl/engine.ipp share/loadkit/loadkitConfig.cmake \
    share/loadkit/loadkitConfigVersion.cmake share/loadkit/loadkitTargets.cmake share/loadkit/usage \
    share/loadkit/copyright share/pkgconfig/loadkit.pc; do
    [[ -f $prefix/$file ]] || { echo "check_packaging.sh: the port's layout lacks $file"; exit 1; }
done
if find "$prefix" -path '*/cmake/*' | grep -q .; then
    echo "check_packaging.sh: the port leaves a CMake package outside share/loadkit:"
    find "$prefix" -path '*/cmake/*'
    exit 1
fi
cmake -S "$ROOT/tests/package/find_package_consumer" -B "$DIR/vcpkg/consumer" -G Ninja \
    -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$DIR/vcpkg/consumer" >/dev/null
"$DIR/vcpkg/consumer/consumer" >/dev/null
echo "vcpkg layout in $prefix: find_package(loadkit) consumer built and ran"

echo "== Conan recipe"
package=$(python3 "$ROOT/tools/check_conan_recipe.py" "$DIR/conan")
g++ -std=c++20 -Wall -Wextra -Werror -I"$package/include" "$ROOT/packaging/conan/test_package/test_package.cpp" \
    -pthread -o "$DIR/conan/test_package"
"$DIR/conan/test_package"
echo "Conan package in $package: recipe methods checked, test_package built and ran"

echo "== tools/release.sh rehearsed in a scratch clone (not pushed)"
git clone -q "$ROOT" "$DIR/release"
(
    cd "$DIR/release"
    export GIT_AUTHOR_NAME=ci GIT_AUTHOR_EMAIL=ci@localhost GIT_COMMITTER_NAME=ci GIT_COMMITTER_EMAIL=ci@localhost
    # An entry under Unreleased, as there is before any release (the last release emptied it).
    sed -i '0,/^## Unreleased$/s//## Unreleased\n- A rehearsal entry./' CHANGELOG.md
    git commit -qam "rehearsal: an Unreleased entry"
    bash tools/release.sh "$version" >"$DIR/release.log"
    tarball=dist/loadkit-$version.tar.gz
    ! tar tzf "$tarball" | grep -q '/packaging/' || { echo "check_packaging.sh: the tarball holds packaging/"; exit 1; }
    sha512=$(cut -d' ' -f1 "$tarball.sha512")
    grep -q "SHA512 $sha512" packaging/vcpkg/ports/loadkit/portfile.cmake
    [[ $(python3 tools/source_tarball.py "v$version" "$version" "$DIR/again.tar.gz" | sed -n 1p) == "sha512 $sha512" ]] || {
        echo "check_packaging.sh: the tarball of tag v$version differs from the one release.sh made"
        exit 1
    }
    grep -q "^## $version — " CHANGELOG.md
)
echo "release.sh: tagged, CHANGELOG section written, tarball reproducible from the tag"
