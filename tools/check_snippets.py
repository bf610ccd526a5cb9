#!/usr/bin/env python3
"""Checks that README.md's code snippets are real, compiled code.

Every fenced block preceded by `<!-- snippet: PATH -->` must equal the whole file PATH; one preceded by
`<!-- snippet: PATH#NAME -->` must equal the region of PATH between `// snippet-begin: NAME` and
`// snippet-end`, with the region's common indentation removed. The files are examples that CI builds
and runs, so a README snippet that stops compiling fails CI. Exit status 1 lists every mismatch.
Usage: python3 tools/check_snippets.py [--fix] [README.md]   (--fix copies the sources into the README)
"""
import pathlib
import re
import sys
import textwrap

ROOT = pathlib.Path(__file__).resolve().parent.parent
MARKER = re.compile(r"<!--\s*snippet:\s*([^#\s]+)(?:#(\S+))?\s*-->")


def region(path: pathlib.Path, name: str) -> str:
    lines = path.read_text(encoding="utf-8").splitlines()
    begin = f"// snippet-begin: {name}"
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == begin)
    except StopIteration:
        raise KeyError(f"{path.relative_to(ROOT)} has no '{begin}'") from None
    end = next((i for i in range(start + 1, len(lines)) if lines[i].strip() == "// snippet-end"), None)
    if end is None:
        raise KeyError(f"{path.relative_to(ROOT)}: '{begin}' has no '// snippet-end'")
    return textwrap.dedent("\n".join(lines[start + 1 : end])).strip("\n")


def main() -> int:
    args = [arg for arg in sys.argv[1:] if arg != "--fix"]
    fix = len(args) != len(sys.argv) - 1
    readme = pathlib.Path(args[0]) if args else ROOT / "README.md"
    lines = readme.read_text(encoding="utf-8").splitlines()
    fixed = 0
    problems, checked = [], 0
    for number, line in enumerate(lines):
        match = MARKER.search(line)
        if not match:
            continue
        fence = next((i for i in range(number + 1, len(lines)) if lines[i].startswith("```")), None)
        close = next((i for i in range(fence + 1, len(lines)) if lines[i].startswith("```")), None) if fence else None
        if fence is None or close is None:
            problems.append(f"{readme.name}:{number + 1}: snippet marker without a fenced block after it")
            continue
        shown = "\n".join(lines[fence + 1 : close]).strip("\n")
        source = ROOT / match.group(1)
        try:
            expected = region(source, match.group(2)) if match.group(2) else source.read_text(encoding="utf-8").strip("\n")
        except (OSError, KeyError) as error:
            problems.append(f"{readme.name}:{number + 1}: {error}")
            continue
        checked += 1
        if shown != expected:
            if fix:
                lines[fence + 1 : close] = expected.split("\n")
                fixed += 1
                continue
            problems.append(
                f"{readme.name}:{number + 1}: the block differs from {match.group(0)}; "
                "run python3 tools/check_snippets.py --fix"
            )
    if fixed:
        readme.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"check_snippets.py: rewrote {fixed} README snippets from their sources")
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 1
    print(f"check_snippets.py: {checked} README snippets match their compiled sources")
    return 0


if __name__ == "__main__":
    sys.exit(main())
