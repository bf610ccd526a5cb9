#!/usr/bin/env python3
"""http_load's exit statuses, which CI jobs act on (ctest example_http_load_exit_status).

    python3 tests/examples/http_load_exit_status.py <build>/examples/http_load

1. A report file it cannot write (its folder is missing): exit 74, the path and the reason on stderr.
2. A refused loopback port (bound, then closed): reconnects back off (tens of attempts per second per
   connection, not ~30,000 in all), the console says no connection was established and prints no
   req/s figure, and it exits 96. Each run is 1 s against 127.0.0.1 only. Python 3 stdlib only.
"""
import os
import re
import socket
import subprocess
import sys
import tempfile


def run(args):
    done = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60, check=False)
    return done.returncode, done.stdout.decode("utf-8", "replace")


def refused_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed on leaving: nothing listens there


def main():
    http_load = sys.argv[1]
    problems = []

    with tempfile.TemporaryDirectory() as folder:
        target = os.path.join(folder, "no-such-folder", "run.json")
        code, out = run([http_load, "-d", "300ms", "-c", "2", "--json", target])
        if code != 74:
            problems.append(f"unwritable report: exit {code}, expected 74")
        if not re.search(r"cannot create a file in the folder of .*no-such-folder/run\.json.*No such file", out):
            problems.append("unwritable report: stderr does not name the path and the reason")

    url = f"http://127.0.0.1:{refused_port()}/"
    code, out = run([http_load, "-d", "1s", "-c", "8", "--timeout", "500ms", url])
    if code != 96:
        problems.append(f"refused port: exit {code}, expected 96")
    tail = re.search(r"http_load: no connection was established in [0-9.]+s: (\d+) connect attempts failed", out)
    if not tail:
        problems.append("refused port: no 'no connection was established' line")
    else:
        attempts = int(tail.group(1))
        print(f"refused port: {attempts} connect attempts in 1 s over 8 connections")
        if attempts > 8 * 50:  # back-off: ~12 per connection in 1 s; without it ~30,000 in all
            problems.append(f"refused port: {attempts} connect attempts in 1 s, expected back-off")
    if "req/s" in out:
        problems.append("refused port: a req/s figure was printed for a run without any connection")
    if "was ever established" not in " ".join(out.split()):  # the console wraps long lines
        problems.append("refused port: the console summary does not say no connection was established")

    print(out)
    for p in problems:
        print("FAILED:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
