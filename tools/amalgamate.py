#!/usr/bin/env python3
"""Generate loadkit's single header from the modular headers (python3 stdlib only).

Starting from a root header (default include/loadkit/loadkit.hpp), every `#include <loadkit/...>`
is replaced by that header's text the first time it is met (depth-first) and dropped afterwards;
every other line, other includes and include guards among them, is kept where it stands. The
output carries a banner (version, license) and nothing time-dependent, so regenerating an
unchanged tree gives the same bytes and `--check` can compare them (CI runs it).

    python3 tools/amalgamate.py            # write every single header (SINGLE_HEADERS below)
    python3 tools/amalgamate.py --check    # exit 1 if a committed one is stale

One single header alone (e.g. the Asio adapter's) is a root/output pair:

    python3 tools/amalgamate.py --root include/loadkit/asio.hpp \\
        --output single_include/loadkit/loadkit_asio.hpp --base include/loadkit/loadkit.hpp

With --base, headers reachable from the base are not inlined: the first include of any of them
becomes `#include "loadkit.hpp"` (the core single header beside it, in a folder of any name), unless
LOADKIT_LOADKIT_HPP shows the core is already in.

Bodies (loadkit/impl/*.ipp) are included at the end of their header in a block of exactly three
lines, `#if !defined(LOADKIT_SEPARATE_COMPILATION) || defined(LOADKIT_IMPLEMENTATION)` /
`#include <loadkit/impl/x.ipp>` / `#endif` (LOADKIT_ASIO_IMPLEMENTATION for the Asio layer). The amalgam gathers them at its end, in one such block per macro, after every
declaration: a header first met inside a body block would otherwise vanish with it when
LOADKIT_SEPARATE_COMPILATION leaves the block out.
"""

import argparse
import difflib
import pathlib
import re
import sys

REPO = pathlib.Path(__file__).resolve().parent.parent
INCLUDE_DIR = REPO / "include"

DEFAULT_OUTPUT = "single_include/loadkit/loadkit.hpp"

# Optional adapters depend on third-party libraries; the core amalgam must never contain them.
ADAPTER = re.compile(r"^loadkit/(catch2\.hpp|gtest\.hpp|doctest\.hpp|testing/.*|asio\.hpp|asio/.*|http/.*|adapters/.*)$")
LOADKIT_INCLUDE = re.compile(r'^\s*#\s*include\s*[<"](loadkit/[^>"]+)[>"]')
BODIES_IF = re.compile(r"^#if (!defined\(LOADKIT_SEPARATE_COMPILATION\) \|\| defined\(LOADKIT_(?:ASIO_)?IMPLEMENTATION\))$")
BODIES_INCLUDE = re.compile(r"^#include <(loadkit/impl/[^>]+\.ipp)>$")
VERSION_MACRO = re.compile(r"^#define LOADKIT_VERSION_(MAJOR|MINOR|PATCH) +(\d+)", re.MULTILINE)


class AmalgamationError(Exception):
    pass


def read_text(path):
    return path.read_text(encoding="utf-8")


def resolve(name, included_from):
    path = INCLUDE_DIR / name
    if not path.is_file():
        raise AmalgamationError(f"{included_from}: includes <{name}>, but include/{name} does not exist")
    return path


def body_block(lines, i):
    """(macro, impl name) when lines[i:i+3] is a body block, else None."""
    if i + 2 < len(lines):
        opening, include = BODIES_IF.match(lines[i]), BODIES_INCLUDE.match(lines[i + 1])
        if opening and include and lines[i + 2] == "#endif":
            return opening.group(1), include.group(1)
    return None


def reachable(root_name, with_bodies=True):
    """Names (loadkit/...) of every loadkit header reachable from root_name, root included;
    without bodies, only through declarations (what LOADKIT_SEPARATE_COMPILATION keeps)."""
    seen, stack = set(), [(root_name, "<root>")]
    while stack:
        name, included_from = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        lines = read_text(resolve(name, included_from)).splitlines()
        for i, line in enumerate(lines):
            match = LOADKIT_INCLUDE.match(line)
            if match and (with_bodies or not (i > 0 and body_block(lines, i - 1))):
                stack.append((match.group(1), f"include/{name}"))
    return seen


def expand(name, state, out, included_from="<root>"):
    """Append name's lines to out, inlining loadkit includes not yet in state["done"]; body blocks
    are queued in state["bodies"] for the end."""
    lines = read_text(resolve(name, included_from)).splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        block = body_block(lines, i - 1)
        if block:
            state["bodies"].setdefault(block[0], []).append((block[1], f"include/{name}"))
            i += 2
            continue
        match = LOADKIT_INCLUDE.match(line)
        if not match:
            out.append(line)
            continue
        child = match.group(1)
        if child in state["provided"]:
            if not state["base_included"]:
                state["base_included"] = True
                # The core single header from this file's own folder, whatever it is called (a
                # quoted include looks beside the includer first); skipped once the core is in.
                out.extend(["#ifndef LOADKIT_LOADKIT_HPP", '#include "loadkit.hpp"', "#endif"])
            continue
        if child in state["done"]:
            continue
        if ADAPTER.match(child) and not state["allow_adapters"]:
            raise AmalgamationError(f"include/{name} includes the optional adapter <{child}>; "
                                    "adapters must stay out of the core single header")
        state["done"].add(child)
        out.append(f"// ---- begin {child} ----")
        expand(child, state, out, f"include/{name}")
        out.append(f"// ---- end {child} ----")


def version():
    macros = dict(VERSION_MACRO.findall(read_text(INCLUDE_DIR / "loadkit/version.hpp")))
    try:
        return "{MAJOR}.{MINOR}.{PATCH}".format(**macros)
    except KeyError as missing:
        raise AmalgamationError(f"include/loadkit/version.hpp lacks LOADKIT_VERSION_{missing.args[0]}")


def banner():
    license_lines = read_text(REPO / "LICENSE").strip().splitlines()
    lines = [
        f"// loadkit v{version()} — single-header amalgamation, generated by tools/amalgamate.py — DO NOT EDIT",
        "// Edit the headers under include/loadkit/ and run `python3 tools/amalgamate.py` instead.",
        "//",
    ]
    lines += [f"// {line}".rstrip() for line in license_lines]
    lines += ["//", "// SPDX-License-Identifier: MIT", ""]
    return lines


def check_umbrella(root_name):
    """The umbrella must reach every core header: a header it misses would be absent from the
    single header without anyone noticing."""
    core = {p.relative_to(INCLUDE_DIR).as_posix() for p in (INCLUDE_DIR / "loadkit").glob("*.hpp")}
    missed = sorted(name for name in core - reachable(root_name) if not ADAPTER.match(name))
    if missed:
        raise AmalgamationError(f"include/{root_name} does not include " + ", ".join(f"<{m}>" for m in missed)
                                + "; the umbrella must include every core header (adapters excepted)")


def amalgamate(root, base=None):
    root_name = root.resolve().relative_to(INCLUDE_DIR).as_posix()
    if root_name == "loadkit/loadkit.hpp":
        check_umbrella(root_name)
    provided = reachable(base.resolve().relative_to(INCLUDE_DIR).as_posix(), False) if base else set()
    state = {"done": {root_name}, "provided": provided, "base_included": False,
             "allow_adapters": ADAPTER.match(root_name) is not None, "bodies": {}}
    out = banner()
    expand(root_name, state, out)
    while state["bodies"]:
        macro = sorted(state["bodies"])[0]
        out.append(f"// ---- bodies (loadkit/impl/), see loadkit/config.hpp ----")
        out.append(f"#if {macro}")
        while state["bodies"].get(macro):
            name, included_from = state["bodies"][macro].pop(0)
            if name in state["done"]:
                continue
            state["done"].add(name)
            out.append(f"// ---- begin {name} ----")
            expand(name, state, out, included_from)
            out.append(f"// ---- end {name} ----")
        del state["bodies"][macro]
        out.append("#endif")
    return "\n".join(out) + "\n"


# Every single header loadkit ships: (root, output, base). Without --root, the script writes (or with
# --check compares) all of them.
SINGLE_HEADERS = [
    ("include/loadkit/loadkit.hpp", "single_include/loadkit/loadkit.hpp", None),
    ("include/loadkit/report/all.hpp", "single_include/loadkit/loadkit_report.hpp", "include/loadkit/loadkit.hpp"),
    ("include/loadkit/asio.hpp", "single_include/loadkit/loadkit_asio.hpp", "include/loadkit/loadkit.hpp"),
    # Test-framework adapters: each carries testing/judgement.hpp (include guards keep one copy).
    ("include/loadkit/catch2.hpp", "single_include/loadkit/loadkit_catch2.hpp", "include/loadkit/loadkit.hpp"),
    ("include/loadkit/gtest.hpp", "single_include/loadkit/loadkit_gtest.hpp", "include/loadkit/loadkit.hpp"),
    ("include/loadkit/doctest.hpp", "single_include/loadkit/loadkit_doctest.hpp", "include/loadkit/loadkit.hpp"),
]


def generate(root_name, output_name, base_name, check, rerun):
    root, output = REPO / root_name, REPO / output_name
    try:
        if not root.is_file():
            raise AmalgamationError(f"root header {root_name} does not exist")
        text = amalgamate(root, REPO / base_name if base_name else None)
    except AmalgamationError as error:
        print(f"amalgamate.py: error: {error}", file=sys.stderr)
        return 2

    if check:
        current = read_text(output) if output.is_file() else ""
        if current == text:
            print(f"amalgamate.py: {output_name} is up to date")
            return 0
        diff = list(difflib.unified_diff(current.splitlines(), text.splitlines(),
                                         f"{output_name} (committed)", f"{output_name} (generated)", lineterm=""))
        print(f"amalgamate.py: {output_name} is stale ({'missing' if not current else 'differs'}); "
              f"run `{rerun}` and commit the result", file=sys.stderr)
        for line in diff[:30]:
            print(line, file=sys.stderr)
        if len(diff) > 30:
            print(f"... ({len(diff) - 30} more diff lines)", file=sys.stderr)
        return 1

    output.parent.mkdir(parents=True, exist_ok=True)
    with open(output, "w", encoding="utf-8", newline="\n") as stream:
        stream.write(text)
    print(f"amalgamate.py: wrote {output_name}")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", help="header to start from (default: every single header loadkit ships)")
    parser.add_argument("--output", default=DEFAULT_OUTPUT, help=f"file to write (default {DEFAULT_OUTPUT})")
    parser.add_argument("--base", help="header whose closure is assumed included (see module doc)")
    parser.add_argument("--check", action="store_true", help="compare with the existing output, write nothing")
    args = parser.parse_args(argv)

    if args.root is None:
        status = 0
        for root_name, output_name, base_name in SINGLE_HEADERS:
            status = max(status, generate(root_name, output_name, base_name, args.check, "python3 tools/amalgamate.py"))
        return status
    rerun = " ".join(["python3 tools/amalgamate.py"] + [a for a in (argv or sys.argv[1:]) if a != "--check"])
    return generate(args.root, args.output, args.base, args.check, rerun)


if __name__ == "__main__":
    sys.exit(main())
