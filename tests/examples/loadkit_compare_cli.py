#!/usr/bin/env python3
"""loadkit_compare's baseline folder and exit statuses, as a nightly CI job drives them (ctest
example_loadkit_compare_cli).

    python3 tests/examples/loadkit_compare_cli.py <build>/examples/loadkit_compare <build>/examples/loadkit_merge

loadkit_merge --demo writes three reports of one synthetic workload (two shards and their merge); they
are stored with --add (named by start time, never overwritten), a run is compared against the folder
(--history, with --json and --junit), SLO text is suggested (--suggest, and it parses as SLO text:
"p99 < ..."), the trend page is written (--dashboard, linking a run's own report), and the failures exit as documented: 2 for bad usage or an unreadable report or an empty
folder, 74 for an output file that cannot be written. Python 3 stdlib only.
"""
import json
import os
import re
import subprocess
import sys
import tempfile


def run(args):
    done = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120, check=False)
    return done.returncode, done.stdout.decode("utf-8", "replace")


def main():
    compare, merge = sys.argv[1], sys.argv[2]
    problems = []
    with tempfile.TemporaryDirectory() as folder:
        reports = os.path.join(folder, "reports")
        code, out = run([merge, "--demo", reports])
        if code != 0:
            print(out)
            return 1
        jsons = sorted(os.path.join(reports, f) for f in os.listdir(reports) if f.endswith(".json"))
        store = os.path.join(folder, "baseline")
        code, out = run([compare, "--add", store, "--name", "nightly build", *jsons])
        stored = sorted(os.listdir(store)) if os.path.isdir(store) else []
        if code != 0 or len(stored) != len(jsons):
            problems.append(f"--add: exit {code}, stored {stored}")
        if not all(re.fullmatch(r"\d{8}T\d{6}Z-nightly_build(-\d+)?\.json", s) for s in stored):
            problems.append(f"--add: names {stored} are not <UTC start>-<name>.json")

        out_json = os.path.join(folder, "cmp.json")
        out_junit = os.path.join(folder, "cmp.xml")
        code, out = run([compare, "--history", store, "--json", out_json, "--junit", out_junit, jsons[0]])
        if code not in (0, 99):
            problems.append(f"--history: exit {code}\n{out}")
        if "baseline: the median of 3 runs" not in out:
            problems.append(f"--history: the tally does not say the baseline is 3 runs\n{out}")
        try:
            with open(out_json, encoding="utf-8") as f:
                doc = json.load(f)
            if doc.get("loadkit_comparison") != 1 or doc.get("baseline_runs") != 3 or not doc.get("metrics"):
                problems.append(f"--json: unexpected document {str(doc)[:300]}")
            if doc.get("exit_code") != code:
                problems.append(f"--json: exit_code {doc.get('exit_code')} but the command exited {code}")
        except (OSError, ValueError) as e:
            problems.append(f"--json: {e}")
        if not os.path.isfile(out_junit) or "<testsuite" not in open(out_junit, encoding="utf-8").read():
            problems.append("--junit: no JUnit document written")

        code, out = run([compare, "--suggest", store, "--percentiles", "95,99"])
        if code != 0 or not re.search(r"^  p99 < \S+", out, re.M) or not re.search(r"^  error_rate < \S+", out, re.M):
            problems.append(f"--suggest: exit {code}\n{out}")

        page = os.path.join(folder, "site", "trend.html")
        os.makedirs(os.path.dirname(page))
        # A run with its own HTML report beside it: --add keeps both, the dashboard links it.
        own = os.path.join(folder, "tonight.json")
        with open(jsons[0], encoding="utf-8") as f, open(own, "w", encoding="utf-8") as g:
            g.write(f.read())
        with open(os.path.join(folder, "tonight.html"), "w", encoding="utf-8") as f:
            f.write("<html></html>")
        code, out = run([compare, "--add", store, own])
        kept = out.strip()
        if code != 0 or not os.path.isfile(kept[:-5] + ".html"):
            problems.append(f"--add: the HTML report beside {own} was not kept ({kept})\n{out}")
        code, out = run([compare, "--dashboard", store + "/", page])
        html = open(page, encoding="utf-8").read() if os.path.isfile(page) else ""
        if code != 0 or "<svg" not in html or "loadkit trend: baseline" not in html:
            problems.append(f"--dashboard: exit {code}, page of {len(html)} bytes\n{out}")
        if f'<a href="../baseline/{os.path.basename(kept)[:-5]}.html">' not in html:
            problems.append("--dashboard: the first run does not link to its own report relative to the page")

        for args, expected, what in [
            ([compare], None, "demo"),
            ([compare, jsons[0]], 2, "one report"),
            ([compare, "--min-change", "x", jsons[0], jsons[1]], 2, "a bad number"),
            ([compare, "--confidence", "100", jsons[0], jsons[1]], 2, "confidence 100 %"),
            ([compare, "--bogus", jsons[0], jsons[1]], 2, "an unknown option"),
            ([compare, os.path.join(folder, "missing.json"), jsons[1]], 2, "a missing report"),
            ([compare, "--history", os.path.join(folder, "empty"), jsons[0]], 2, "a missing folder"),
            ([compare, "--history", store, "--suggest", store], 2, "two modes"),
            ([compare, "--dashboard", store], 2, "a dashboard without a page"),
            ([compare, "--json", os.path.join(folder, "no-such", "x.json"), jsons[0], jsons[1]], 74,
             "an unwritable --json"),
        ]:
            if expected is None:
                continue
            code, out = run(args)
            if code != expected:
                problems.append(f"{what}: exit {code}, expected {expected}\n{out}")
            elif "loadkit_compare: " not in out:
                problems.append(f"{what}: no message naming the command\n{out}")
    for p in problems:
        print("FAIL:", p)
    print("loadkit_compare CLI:", "FAILED" if problems else "passed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
