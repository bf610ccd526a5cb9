#!/usr/bin/env python3
"""Check that every place naming loadkit's version names the same one (python3 stdlib only).

The source of truth is include/loadkit/version.hpp (LOADKIT_VERSION_MAJOR/MINOR/PATCH); CMakeLists.txt
`project(loadkit VERSION x.y.z)` and meson.build `version: 'x.y.z'` must match it (as nanobench's
lint-version.py), and every `inline namespace` in the sources is v<major>_<minor> (v<major> from 1.0).
The single header's banner is covered by `tools/amalgamate.py --check`.
Exit 0 when consistent, 1 with one line per mismatch otherwise.
"""

import pathlib
import re
import sys

REPO = pathlib.Path(__file__).resolve().parent.parent

SOURCES = [
    # (file, regex whose first group is the dotted version it declares)
    ("CMakeLists.txt", re.compile(r"project\s*\(\s*loadkit\b[^)]*?\bVERSION\s+(\d+\.\d+\.\d+)", re.DOTALL)),
    ("meson.build", re.compile(r"project\s*\(\s*'loadkit'.*?\bversion\s*:\s*'(\d+\.\d+\.\d+)'", re.DOTALL)),
]


def header_version():
    text = (REPO / "include/loadkit/version.hpp").read_text(encoding="utf-8")
    parts = []
    for part in ("MAJOR", "MINOR", "PATCH"):
        match = re.search(rf"^#define LOADKIT_VERSION_{part} +(\d+)\s*$", text, re.MULTILINE)
        if not match:
            sys.exit(f"check_version.py: LOADKIT_VERSION_{part} not found in include/loadkit/version.hpp")
        parts.append(match.group(1))
    return ".".join(parts)


def main():
    expected = header_version()
    problems = []
    for name, pattern in SOURCES:
        path = REPO / name
        if not path.is_file():
            problems.append(f"{name}: missing")
            continue
        match = pattern.search(path.read_text(encoding="utf-8"))
        if not match:
            problems.append(f"{name}: no project version found")
        elif match.group(1) != expected:
            problems.append(f"{name}: version {match.group(1)} != {expected} (include/loadkit/version.hpp)")
    # The inline namespace keeps two incompatible versions in one program apart (ODR, link errors
    # instead of silent mix-ups): v<major>_<minor> while the major is 0 (a minor may break), then
    # v<major>. Every source that opens it must name the current one.
    major, minor, _ = expected.split(".")
    namespace = f"v{major}_{minor}" if major == "0" else f"v{major}"
    opening = re.compile(r"^inline namespace (v\d+(?:_\d+)?) \{", re.MULTILINE)
    for folder in ("include", "src", "tests", "examples", "bench", "packaging"):
        for path in sorted((REPO / folder).rglob("*")):
            if path.suffix not in (".hpp", ".ipp", ".cpp") or not path.is_file():
                continue
            for found in opening.findall(path.read_text(encoding="utf-8", errors="replace")):
                if found != namespace:
                    problems.append(f"{path.relative_to(REPO)}: inline namespace {found} "
                                    f"(expected {namespace} for version {expected})")
    for problem in problems:
        print(f"check_version.py: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(f"check_version.py: version {expected} is consistent "
          f"(version.hpp, {', '.join(name for name, _ in SOURCES)}, inline namespace {namespace})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
