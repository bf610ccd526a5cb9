#!/usr/bin/env bash
# What loadkit costs the translation units that include it: CPU seconds (user + sys of the compiler
# and linker, from getrusage) as medians of ROUNDS interleaved runs, each case once per round, so
# load from other processes lands on every row alike. Prints a table; asserts nothing.
#
#   bash bench/compile-cost.sh                      # g++, 3 rounds, every case
#   CXX=clang++-16 ROUNDS=5 bash bench/compile-cost.sh
#   ONLY=syntax bash bench/compile-cost.sh          # only the rows whose id contains "syntax"
#
# Rows: the std floor (a TU of exactly the standard headers the umbrella reaches, read off the
# preprocessor's include tree, once per mode), loadkit.hpp and each opt-in header at -fsyntax-only,
# the quickstart at -O2 compiled and linked, a Catch2 test TU using loadkit::meets at -O2, the
# separate-compilation TU itself, and other libraries' headers for scale when they are installed.
# "header-only" is the default build; "separate" defines LOADKIT_SEPARATE_COMPILATION and links
# the prebuilt compiled part (libloadkit_compiled.a, built here first and not counted in the rows).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
CXX=${CXX:-g++}
ROUNDS=${ROUNDS:-3}
WORK=${LOADKIT_BUILD_ROOT:-$ROOT/build}/compile-cost
mkdir -p "$WORK"

if command -v dpkg-query >/dev/null; then
    missing=()
    for package in g++ python3 catch2; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
    done
    if ((${#missing[@]})); then
        sudo=()
        [[ $(id -u) == 0 ]] || sudo=(sudo -n)
        "${sudo[@]}" apt-get update -qq
        DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
fi

exec python3 - "$ROOT" "$WORK" "$CXX" "$ROUNDS" "${ONLY:-}" <<'PY'
import os, pathlib, re, resource, statistics, subprocess, sys

root, work, cxx, rounds, only = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
inc = root / "include"
base = [cxx, "-std=c++20", f"-I{inc}"]
separate_flag = "-DLOADKIT_SEPARATE_COMPILATION"
has_separate = (inc / "loadkit" / "impl" / "src.hpp").is_file()

def write(name, text):
    path = work / name
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    return str(path)

def cpu_seconds(cmd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(" ".join(cmd) + "\n" + done.stderr[-3000:])
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

STD = re.compile(r"^(\.+) (\S+)$")
def std_headers(tu, extra):
    """The standard headers that loadkit's own headers include directly (the -H include tree)."""
    out = subprocess.run(base + extra + ["-fsyntax-only", "-H", tu], capture_output=True, text=True, check=True).stderr
    stack, found = [], []
    for line in out.splitlines():
        m = STD.match(line)
        if not m:
            continue
        depth, path = len(m.group(1)), m.group(2)
        del stack[depth - 1:]
        parent = stack[-1] if stack else ""
        stack.append(path)
        if "/loadkit/" in parent and "/loadkit/" not in path and "/asio" not in path:
            name = path.split("/include/", 1)[-1]
            name = re.sub(r"^(c\+\+/\d+/|x86_64-linux-gnu/)", "", name)
            if name not in found:
                found.append(name)
    return found

umbrella = write("umbrella.cpp", "#include <loadkit/loadkit.hpp>\n")
cases = []  # (id, description, [commands])
def case(id_, what, *cmds):
    if not only or only in id_:
        cases.append((id_, what, list(cmds)))

modes = [("header-only", [])] + ([("separate", [separate_flag])] if has_separate else [])
lib = work / "libloadkit_compiled.a"
if has_separate:
    src = write("loadkit_src.cpp", "#include <loadkit/impl/src.hpp>\n")
    obj = str(work / "loadkit_src.o")
    subprocess.run(base + [separate_flag, "-O2", "-c", src, "-o", obj], check=True)
    subprocess.run(["ar", "rcs", str(lib), obj], check=True)

for mode, flags in modes:
    floor = std_headers(umbrella, flags)
    tu = write(f"std_floor_{mode}.cpp", "".join(f"#include <{h}>\n" for h in floor))
    case(f"syntax std floor ({mode}: {len(floor)} headers)", "the standard headers loadkit.hpp includes",
         base + flags + ["-fsyntax-only", tu])
    case(f"syntax loadkit.hpp ({mode})", "#include <loadkit/loadkit.hpp>", base + flags + ["-fsyntax-only", umbrella])
    optin = ["loadkit/report/all.hpp", "loadkit/catch2.hpp", "loadkit/gtest.hpp", "loadkit/doctest.hpp"]
    if pathlib.Path("/usr/include/asio.hpp").exists():
        optin.insert(1, "loadkit/asio.hpp")
    for header in optin:
        if not (inc / header).is_file():
            continue
        stem = re.sub(r"\W", "_", header)
        tu = write(f"{stem}.cpp", f"#include <loadkit/loadkit.hpp>\n#include <{header}>\n")
        extra = ["-DASIO_STANDALONE"] if "asio" in header else []
        case(f"syntax {header} ({mode})", "loadkit.hpp + it", base + flags + extra + ["-fsyntax-only", tu])

quickstart = str(root / "examples" / "quickstart.cpp")
exe = str(work / "quickstart")
case("quickstart -O2 compile+link (header-only)", "examples/quickstart.cpp",
     base + ["-O2", quickstart, "-o", exe, "-pthread"])
if has_separate:
    case("quickstart -O2 compile+link (separate)", "the compiled part prebuilt",
         base + [separate_flag, "-O2", quickstart, str(lib), "-o", exe, "-pthread"])
    case("separate-compilation TU -O2 (loadkit/impl/src.hpp)", "compiled once per build",
         base + [separate_flag, "-O2", "-c", str(work / "loadkit_src.cpp"), "-o", str(work / "src_timed.o")])

catch_tu = write("catch2_meets.cpp", """#include <loadkit/loadkit.hpp>
#include <loadkit/catch2.hpp>
using namespace std::chrono_literals;
TEST_CASE("checkout meets its SLO") {
    loadkit::operation checkout{"checkout", [](loadkit::op_context&) -> loadkit::task<void> { co_return; }};
    auto report = loadkit::run(loadkit::constant_rate{.rate = 100, .duration = 1s}, checkout);
    REQUIRE_THAT(report.result, loadkit::meets("p95 < 200ms", "error_rate < 1%"));
}
""")
if pathlib.Path("/usr/include/catch2").exists():
    for mode, flags in modes:
        case(f"catch2 TU with meets -O2 ({mode})", "compile only (Catch2's main apart)",
             base + flags + ["-O2", "-c", catch_tu, "-o", str(work / "catch2_meets.o")])

scale = [("fmt/format.h", "/usr/include/fmt/format.h"), ("nlohmann/json.hpp", "/usr/include/nlohmann/json.hpp"),
         ("asio.hpp", "/usr/include/asio.hpp"), ("catch2/catch.hpp", "/usr/include/catch2/catch.hpp")]
for header, path in scale:
    if pathlib.Path(path).exists():
        tu = write("scale_" + re.sub(r"\W", "_", header) + ".cpp", f"#include <{header}>\n")
        case(f"syntax {header} (for scale)", "", [cxx, "-std=c++20", "-DASIO_STANDALONE", "-fsyntax-only", tu])

times = {c[0]: [] for c in cases}
for r in range(rounds):
    for id_, _, cmds in cases:
        times[id_].append(sum(cpu_seconds(cmd) for cmd in cmds))
    print(f"round {r + 1}/{rounds} done", file=sys.stderr)

version = subprocess.run([cxx, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
print(f"compile cost, CPU seconds (user + sys), median of {rounds} interleaved rounds; {version}")
width = max(len(c[0]) for c in cases)
print(f"{'case':<{width}}  median     min     max")
for id_, what, _ in cases:
    t = times[id_]
    print(f"{id_:<{width}}  {statistics.median(t):6.2f}  {min(t):6.2f}  {max(t):6.2f}")
PY
