#!/usr/bin/env python3
"""Checks that keep include/loadkit/ shaped as ../STYLE.md's house (CI step a).

  python3 tools/check_layout.py          # exit 1 and one line per finding when something is off

1. Data flow: every header belongs to a stage, in the order one operation travels (STYLE.md):
       vocabulary -> runtime -> profile -> runner -> operation -> recorder -> result ->
       verdicts -> run report -> engine -> reporters
   A header includes headers of its own stage, of earlier stages, and of the next stage only: the
   hand-off (an operation files its outcome with the recorder, the recorder fills the result's
   types). Reaching further down (profile.hpp including result.hpp for one enum) is a finding; so
   is a file no stage claims: place it. Bodies (impl/*.ipp) belong to their header's stage.
2. Public names live in public headers: a detail/ header declares nothing outside namespace detail
   (but forward declarations of the public types it works on), and nothing in examples/, README.md or docs/ names detail::.
3. No include cycles among the headers' declarations (what a separate-compilation user reads), and no
   body (impl/*.ipp) includes its own header: a header includes its body last, after all of its
   declarations, so a detail helper a body needs may include the public header it serves.
4. Separate compilation compiles every body exactly once: each impl/*.ipp of the core is included
   by exactly one src/*.cpp (the parts of loadkit::compiled), the Asio layer's by none (they come
   through impl/src_asio.hpp, src/loadkit_asio.cpp).
Python 3 standard library only.
"""
import fnmatch
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INCLUDE = os.path.join(ROOT, "include")

# Stage of each file, by pattern relative to include/ (first match wins). Keep in data-flow order.
STAGES = [
    ("vocabulary", ["loadkit/version.hpp", "loadkit/config.hpp", "loadkit/core_types.hpp"]),
    ("runtime", [
        "loadkit/task.hpp", "loadkit/executor.hpp", "loadkit/event_loop.hpp", "loadkit/manual_clock_executor.hpp", "loadkit/sleep.hpp",
        "loadkit/cancellation.hpp", "loadkit/timeout.hpp", "loadkit/when_all.hpp", "loadkit/when_any.hpp",
        "loadkit/sync_wait.hpp", "loadkit/semaphore.hpp", "loadkit/token_bucket.hpp", "loadkit/task_pool.hpp",
        "loadkit/spawn_report.hpp", "loadkit/blocking_pool.hpp", "loadkit/random.hpp",
        "loadkit/histogram.hpp", "loadkit/sharded_histogram.hpp", "loadkit/process.hpp",
        # The harnesses (race, hang, lock tests) run on the runtime alone, beside the engine.
        "loadkit/contend.hpp", "loadkit/deadline.hpp", "loadkit/lock_probe.hpp",
        "loadkit/detail/runtime/*", "loadkit/detail/stats/*", "loadkit/detail/platform/*",
        "loadkit/detail/text/*", "loadkit/detail/harness/*",
    ]),
    ("profile", ["loadkit/rate_schedule.hpp", "loadkit/segment.hpp", "loadkit/pacer.hpp", "loadkit/profile.hpp"]),
    ("runner", ["loadkit/runner.hpp"]),
    ("operation", ["loadkit/operation.hpp", "loadkit/scenario.hpp"]),
    ("recorder", ["loadkit/recorder.hpp", "loadkit/detail/recorder/shard.hpp"]),
    ("result", [
        "loadkit/result.hpp", "loadkit/interval_series.hpp", "loadkit/error_category.hpp",
        "loadkit/detail/recorder/*",
    ]),
    ("verdicts", ["loadkit/slo.hpp", "loadkit/objective.hpp", "loadkit/leak.hpp", "loadkit/detail/slo/*"]),
    ("run report", ["loadkit/run_report.hpp"]),
    ("engine", [
        "loadkit/engine.hpp", "loadkit/capacity.hpp", "loadkit/detail/engine/*",
        # The Asio layer and the HTTP generator feed operations into runs.
        "loadkit/asio.hpp", "loadkit/asio/*", "loadkit/http/*", "loadkit/detail/asio/*", "loadkit/detail/http/*",
    ]),
    ("reporters", [
        "loadkit/report/*", "loadkit/detail/report/*", "loadkit/catch2.hpp", "loadkit/gtest.hpp",
        "loadkit/doctest.hpp", "loadkit/testing/*",
    ]),
]
# Umbrellas and the separate-compilation sources include everything by design.
EXEMPT = ["loadkit/loadkit.hpp", "loadkit/impl/src.hpp", "loadkit/impl/src_asio.hpp"]

INCLUDE_RE = re.compile(r'^\s*#\s*include\s*<(loadkit/[^>]+)>', re.M)


def loadkit_files():
    out = []
    for dirpath, _, names in os.walk(os.path.join(INCLUDE, "loadkit")):
        for name in names:
            if name.endswith((".hpp", ".ipp")):
                out.append(os.path.relpath(os.path.join(dirpath, name), INCLUDE).replace(os.sep, "/"))
    return sorted(out)


def read(rel):
    with open(os.path.join(INCLUDE, rel), encoding="utf-8") as f:
        return f.read()


def includes_of(rel):
    return INCLUDE_RE.findall(read(rel))


def owner_of_body(rel, files):
    """impl/x.ipp belongs to the header that includes it."""
    for f in files:
        if f.endswith(".hpp") and rel in includes_of(f):
            return f
    return None


def stage_of(rel):
    for index, (_, patterns) in enumerate(STAGES):
        if any(fnmatch.fnmatchcase(rel, p) for p in patterns):
            return index
    return None


def strip_comments_and_strings(text):
    text = re.sub(r'R"(\w*)\((?:.|\n)*?\)\1"', '""', text)
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        elif c == '"' or (c == "'" and not (i > 0 and text[i - 1].isalnum())):  # 1'000 is a number
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(c + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def public_declarations_in_detail(rel):
    """Code at namespace scope of loadkit outside a namespace detail: names users would look for
    in a public header."""
    text = strip_comments_and_strings(read(rel))
    text = "\n".join(line for line in text.split("\n") if not line.lstrip().startswith("#"))
    frames, found, pos = [], [], 0  # frames: a namespace's name parts, or None for any other brace
    token = re.compile(r'(?:inline\s+)?namespace\s+([\w:]*)\s*\{|\{|\}|;')
    for m in token.finditer(text):
        segment = text[pos:m.start()].strip()
        names = [part for frame in frames if frame is not None for part in frame]
        at_loadkit_scope = (frames and None not in frames and "loadkit" in names
                            and "detail" not in names and "std" not in names)
        # A forward declaration (`struct lock_stats;`) names a type its public header defines.
        forward = m.group(0) == ";" and re.fullmatch(r'(?:struct|class)\s+\w+', segment)
        if at_loadkit_scope and re.search(r'[A-Za-z_]', segment) and not forward:
            found.append(" ".join(segment.split())[:80])
        if m.group(0).endswith("{") and m.group(0) != "{":
            frames.append((m.group(1) or "").split("::"))
        elif m.group(0) == "{":
            frames.append(None)
        elif m.group(0) == "}" and frames:
            frames.pop()
        pos = m.end()
    return found


def detail_names_in_docs():
    findings = []
    paths = [os.path.join(ROOT, "README.md")]
    for folder in ("examples", "docs"):
        base = os.path.join(ROOT, folder)
        for dirpath, _, names in os.walk(base):
            paths += [os.path.join(dirpath, n) for n in names if n.endswith((".cpp", ".hpp", ".md"))]
    for path in paths:
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                if "detail::" in line:
                    findings.append(f"{os.path.relpath(path, ROOT)}:{number}: names detail:: ({line.strip()[:70]})")
    return findings


def asio_layer(rel):
    """Files of the optional Asio layer carry the marker `// loadkit-requires: asio`."""
    return "loadkit-requires: asio" in "\n".join(read(rel).split("\n")[:30])


def compiled_parts(files):
    """Bodies not compiled exactly once by src/*.cpp (the parts of loadkit::compiled)."""
    src = os.path.join(ROOT, "src")
    seen = {}
    for name in sorted(os.listdir(src)):
        if name.endswith(".cpp"):
            with open(os.path.join(src, name), encoding="utf-8") as f:
                for inc in INCLUDE_RE.findall(f.read()):
                    if inc.endswith(".ipp"):
                        seen.setdefault(inc, []).append("src/" + name)
    findings = []
    for rel in files:
        if not rel.endswith(".ipp"):
            continue
        owner = owner_of_body(rel, files)
        optional = asio_layer(rel) or (owner is not None and asio_layer(owner))
        places = seen.pop(rel, [])
        if optional and places:
            findings.append(f"{rel}: the Asio layer's body is compiled by {', '.join(places)} "
                            f"(it belongs to impl/src_asio.hpp alone)")
        elif not optional and len(places) != 1:
            findings.append(f"{rel}: compiled by {len(places)} of src/*.cpp ({', '.join(places) or 'none'}); "
                            f"separate compilation needs exactly one")
    findings += [f"{inc}: included by {', '.join(p)}, but does not exist" for inc, p in seen.items()]
    return findings


def cycles(graph):
    found, state, path = [], {}, []

    def visit(node):
        state[node] = 1
        path.append(node)
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                found.append(path[path.index(nxt):] + [nxt])
            elif nxt in graph and state.get(nxt) is None:
                visit(nxt)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if state.get(node) is None:
            visit(node)
    return found


def main():
    files = loadkit_files()
    findings = []
    graph = {f: includes_of(f) for f in files}

    for rel in files:
        if rel in EXEMPT:
            continue
        staged = rel
        if rel.endswith(".ipp"):
            staged = owner_of_body(rel, files)
            if staged is None:
                findings.append(f"{rel}: no header includes this body")
                continue
        stage = stage_of(staged)
        if stage is None:
            findings.append(f"{rel}: in no data-flow stage; add it to STAGES in tools/check_layout.py")
            continue
        for inc in graph[rel]:
            if inc.startswith("loadkit/impl/"):
                continue
            other = stage_of(inc)
            if inc not in graph:
                findings.append(f"{rel}: includes <{inc}>, which does not exist")
            elif other is None:
                continue  # reported on its own
            elif other > stage + 1:
                findings.append(f"{rel} ({STAGES[stage][0]}): includes <{inc}> ({STAGES[other][0]}), "
                                f"{other - stage} stages down the data flow: only the next stage is a hand-off")
        if rel.startswith("loadkit/detail/"):
            for decl in public_declarations_in_detail(rel):
                findings.append(f"{rel}: declares outside namespace detail: `{decl}` "
                                f"(public names belong in the concept's public header)")

    findings += detail_names_in_docs()
    findings += compiled_parts(files)
    for rel in files:
        if rel.endswith(".ipp"):
            owner = owner_of_body(rel, files)
            if owner and owner in graph[rel]:
                findings.append(f"{rel}: includes its own header <{owner}> (put what both need in a third header)")
    declarations = {f: [i for i in incs if not i.endswith(".ipp")] for f, incs in graph.items() if f.endswith(".hpp")}
    for cycle in cycles(declarations):
        findings.append("include cycle: " + " -> ".join(cycle))

    for f in findings:
        print("check_layout.py: " + f)
    if findings:
        print(f"check_layout.py: {len(findings)} finding(s)")
        return 1
    print(f"check_layout.py: {len(files)} files: data flow, public names and include graph are in order")
    return 0


if __name__ == "__main__":
    sys.exit(main())
