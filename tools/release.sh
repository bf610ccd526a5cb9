#!/usr/bin/env bash
# Cut a release: tools/release.sh X.Y.Z [--no-tag]
#  1. checks a clean tree, that every version string says X.Y.Z (tools/check_version.py) and that
#     the single headers are fresh;
#  2. turns CHANGELOG.md's "## Unreleased" section into "## X.Y.Z — <date>" (a new empty Unreleased
#     above it) and commits "Release X.Y.Z";
#  3. makes dist/loadkit-X.Y.Z.tar.gz (tools/source_tarball.py: deterministic, packaging/ left out),
#     writes its SHA512 into the vcpkg port and its URL and SHA256 into the Conan recipe's
#     conandata.yml, commits that, and checks the tarball of that commit is byte-identical;
#  4. tags vX.Y.Z (annotated) unless --no-tag. Pushing the tag and uploading the tarball as the
#     release asset the port downloads are left to the maintainer.
# Version policy (README "Versions"): while the major is 0 a minor bump may break the API; patch
# releases never do. The CMake package accepts the same major.minor while the major is 0.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
version=${1:-}
tag=yes
[[ ${2:-} == --no-tag ]] && tag=no
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "usage: tools/release.sh X.Y.Z [--no-tag]"; exit 2; }
[[ -z $(git status --porcelain) ]] || { echo "release.sh: the tree has uncommitted changes"; exit 1; }
git rev-parse -q --verify "refs/tags/v$version" >/dev/null && { echo "release.sh: v$version exists"; exit 1; }

python3 tools/check_version.py
declared=$(sed -n 's/^#define LOADKIT_VERSION_\(MAJOR\|MINOR\|PATCH\) \+\([0-9]\+\)$/\2/p' include/loadkit/version.hpp |
    paste -sd.)
[[ $declared == "$version" ]] || {
    echo "release.sh: the sources say $declared; set $version in include/loadkit/version.hpp, CMakeLists.txt and meson.build first"
    exit 1
}
python3 tools/amalgamate.py --check >/dev/null

date=$(date -u +%F)
python3 - "$version" "$date" <<'PY'
import pathlib, re, sys
version, date = sys.argv[1:]
path = pathlib.Path("CHANGELOG.md")
text = path.read_text(encoding="utf-8")
match = re.search(r"^## Unreleased\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
if not match or not match.group(1).strip():
    sys.exit("release.sh: CHANGELOG.md has no entries under '## Unreleased'")
text = text[:match.start()] + f"## Unreleased\n\n## {version} — {date}\n" + match.group(1) + text[match.end():]
path.write_text(text, encoding="utf-8")
port = pathlib.Path("packaging/vcpkg/ports/loadkit/vcpkg.json")
port.write_text(re.sub(r'"version-semver": "[^"]*"', f'"version-semver": "{version}"', port.read_text()))
PY
git add CHANGELOG.md packaging/vcpkg/ports/loadkit/vcpkg.json
git commit -q -m "Release $version"

mkdir -p dist
tarball=dist/loadkit-$version.tar.gz
hashes=$(python3 tools/source_tarball.py HEAD "$version" "$tarball")
sha512=$(sed -n 's/^sha512 //p' <<<"$hashes")
sha256=$(sed -n 's/^sha256 //p' <<<"$hashes")
python3 - "$version" "$sha512" "$sha256" <<'PY'
import pathlib, re, sys
version, sha512, sha256 = sys.argv[1:]
portfile = pathlib.Path("packaging/vcpkg/ports/loadkit/portfile.cmake")
text, n = re.subn(r"(\n\s*SHA512 )\S+", r"\g<1>" + sha512, portfile.read_text(encoding="utf-8"), count=1)
if n != 1:
    sys.exit("release.sh: no SHA512 line in the portfile")
portfile.write_text(text, encoding="utf-8")
data = pathlib.Path("packaging/conan/conandata.yml")
text = data.read_text(encoding="utf-8").replace("sources: {}\n", "sources:\n")
text += (f'  "{version}":\n'
         f'    url: "https://github.com/loadkit/loadkit/releases/download/v{version}/loadkit-{version}.tar.gz"\n'
         f'    sha256: "{sha256}"\n')
data.write_text(text, encoding="utf-8")
PY
git add packaging
git commit -q -m "Packaging: loadkit $version's release tarball (SHA512 $sha512)"
again=$(python3 tools/source_tarball.py HEAD "$version" "$tarball.check")
rm -f "$tarball.check"
[[ $again == "$hashes" ]] || { echo "release.sh: the tarball changed with the packaging commit"; exit 1; }
printf '%s  %s\n' "$sha512" "$(basename "$tarball")" >"$tarball.sha512"
if [[ $tag == yes ]]; then
    git tag -a "v$version" -m "loadkit $version"
fi
echo "release.sh: loadkit $version: $tarball"
echo "  sha512 $sha512"
echo "  sha256 $sha256"
[[ $tag == yes ]] && echo "  tagged v$version (push it, and upload $tarball as the release asset)"
