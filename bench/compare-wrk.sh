#!/usr/bin/env bash
# http_load (examples/http_load.cpp) against wrk, on the same nginx, on one machine.
#
#   bash bench/compare-wrk.sh                       # 3 pairs of 10 s runs, 64 connections
#   PAIRS=5 DURATION=20 CONNECTIONS=128 bash bench/compare-wrk.sh
#   HTTP_LOAD=build/examples/http_load bash bench/compare-wrk.sh   # skip building it
#
# nginx (one worker) runs pinned to SERVER_CPU with a config of its own in a temporary directory
# and answers every request from memory (`return 200`), so the server, not the disk, is the limit.
# wrk and http_load run pinned to CLIENT_CPU, alternately (A B A B ...), with the same connections,
# one thread and the same duration. For each run: requests per second and the generator's CPU time
# (user + sys of its whole process, from getrusage of the child) per 1,000 requests; then the means,
# the ratios http_load / wrk, and the median of the ratios within each pair (robust when the machine
# is shared and other load comes and goes). Last, a constant-rate http_load run (-R) at 80 % of the highest
# measured rate: the rate it achieved and its CPU per request. Before each run the script waits (at
# most IDLE_WAIT seconds) until the machine's CPUs were at least 90 % idle over a second — the
# 1-minute load average, printed with each run, lags a minute behind — and says when it gave up.
# It installs nginx-light, wrk (and, to build http_load, g++ and libasio-dev) with apt-get if they
# are missing, and stops only the nginx it started, by PID. It prints figures; it never judges them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PAIRS=${PAIRS:-3}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-64}
RATE_CONNECTIONS=${RATE_CONNECTIONS:-$CONNECTIONS} # -R: connections (a request finding all busy waits for one)
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
IDLE_WAIT=${IDLE_WAIT:-60}
IDLE_BUSY=${IDLE_BUSY:-10} # percent
HTTP_LOAD=${HTTP_LOAD:-}

log() { echo "compare-wrk: $*" >&2; }

# --- packages ---------------------------------------------------------------------------------
need=()
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || need+=(nginx-light)
command -v wrk >/dev/null || need+=(wrk)
if [[ -z $HTTP_LOAD ]]; then
    command -v g++ >/dev/null || need+=(g++)
    [[ -f /usr/include/asio.hpp ]] || need+=(libasio-dev)
fi
if ((${#need[@]})); then
    log "installing ${need[*]}"
    sudo=()
    [[ $(id -u) == 0 ]] || sudo=(sudo -n)
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

WORK=$(mktemp -d /tmp/compare-wrk.XXXXXX)
NGINX_PID=
cleanup() {
    if [[ -n $NGINX_PID ]] && kill -0 "$NGINX_PID" 2>/dev/null; then
        kill -QUIT "$NGINX_PID" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$NGINX_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$NGINX_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ -z $HTTP_LOAD ]]; then
    HTTP_LOAD=$WORK/http_load
    log "building examples/http_load.cpp (g++ -O2)..."
    g++ -std=c++20 -O2 -DNDEBUG -DASIO_STANDALONE -Iinclude examples/http_load.cpp -o "$HTTP_LOAD" -pthread
fi

# --- nginx: one worker on SERVER_CPU, its own config ------------------------------------------
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$WORK/logs"
cat >"$WORK/nginx.conf" <<EOF
worker_processes 1;
worker_cpu_affinity $(python3 -c "print(format(1 << $SERVER_CPU, 'b'))");
pid $WORK/nginx.pid;
error_log $WORK/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 100000000;
    keepalive_timeout 300s;
    client_body_temp_path $WORK/tmp;
    proxy_temp_path $WORK/tmp;
    fastcgi_temp_path $WORK/tmp;
    uwsgi_temp_path $WORK/tmp;
    scgi_temp_path $WORK/tmp;
    server {
        listen 127.0.0.1:$PORT;
        location / { default_type text/plain; return 200 "Hello, world!"; }
    }
}
EOF
mkdir -p "$WORK/tmp"
taskset -c "$SERVER_CPU" "$NGINX" -p "$WORK" -c "$WORK/nginx.conf" -e "$WORK/logs/error.log" \
    -g 'daemon off;' &
NGINX_PID=$!
for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
    sleep 0.05
done
URL="http://127.0.0.1:$PORT/"
log "nginx $("$NGINX" -v 2>&1 | sed 's/.*\///') pid $NGINX_PID on CPU $SERVER_CPU, $URL"

# --- helpers ----------------------------------------------------------------------------------
busy_percent() { # CPU busy (all CPUs) over one second, from /proc/stat
    local -a a b
    read -ra a </proc/stat
    sleep 1
    read -ra b </proc/stat
    local idle=$(((b[4] + b[5]) - (a[4] + a[5])))
    local total=0 i
    for i in 1 2 3 4 5 6 7 8; do total=$((total + b[i] - a[i])); done
    ((total > 0)) || total=1
    echo $((100 * (total - idle) / total))
}
wait_idle() {
    local start=$SECONDS busy
    while :; do
        busy=$(busy_percent)
        if ((busy < IDLE_BUSY)); then
            IDLE_NOTE="idle (${busy}% busy)"
            return
        fi
        if ((SECONDS - start >= IDLE_WAIT)); then
            IDLE_NOTE="NOT idle after ${IDLE_WAIT}s (${busy}% busy)"
            return
        fi
        sleep 2
    done
}
# run <label> <command...>: prints "requests seconds cpu_seconds" (the child's user+sys)
run_measured() {
    python3 - "$@" <<'PY'
import re, resource, subprocess, sys
out = subprocess.run(sys.argv[1:], capture_output=True, text=True)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
text = out.stdout + out.stderr
m = re.search(r"http_load: (\d+) requests in ([\d.]+)s", text) or re.search(r"(\d+) requests in ([\d.]+)(m?s)", text)
if out.returncode not in (0, 99) or not m:
    sys.stderr.write(text)
    sys.exit("compare-wrk: the run failed")
seconds = float(m.group(2))
if len(m.groups()) > 2 and m.group(3) == "ms":
    seconds /= 1000
dropped = re.search(r"(\d+) dropped", text)
print(m.group(1), seconds, usage.ru_utime + usage.ru_stime, dropped.group(1) if dropped else 0)
PY
}

declare -a WRK_RPS=() HL_RPS=() WRK_REQ=() HL_REQ=() WRK_CPU=() HL_CPU=()
printf '%-10s %4s %12s %10s %8s %14s  %s\n' tool run req/s requests CPU-s "CPU-s/1k req" "machine before the run (load average)"
for pair in $(seq 1 "$PAIRS"); do
    for tool in wrk http_load; do
        wait_idle
        load=$(cut -d' ' -f1-3 /proc/loadavg)
        if [[ $tool == wrk ]]; then
            read -r n s cpu _ < <(run_measured taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" \
                --timeout 2s "$URL")
        else
            read -r n s cpu _ < <(run_measured taskset -c "$CLIENT_CPU" "$HTTP_LOAD" -t 1 -c "$CONNECTIONS" \
                -d "${DURATION}s" --timeout 2s "$URL")
        fi
        rps=$(python3 -c "print(f'{$n / $s:.0f}')")
        per_k=$(python3 -c "print(f'{$cpu * 1000 / $n:.5f}')")
        printf '%-10s %4s %12s %10s %8.2f %14s  %s (%s)\n' "$tool" "$pair" "$rps" "$n" "$cpu" "$per_k" "$IDLE_NOTE" "$load"
        if [[ $tool == wrk ]]; then
            WRK_RPS+=("$rps"); WRK_REQ+=("$n"); WRK_CPU+=("$cpu")
        else
            HL_RPS+=("$rps"); HL_REQ+=("$n"); HL_CPU+=("$cpu")
        fi
    done
done

summary=$(python3 - "${WRK_RPS[*]}" "${HL_RPS[*]}" "${WRK_REQ[*]}" "${HL_REQ[*]}" "${WRK_CPU[*]}" "${HL_CPU[*]}" <<'PY'
import statistics, sys
wr, hr, wn, hn, wc, hc = ([float(x) for x in a.split()] for a in sys.argv[1:7])
w_rps, h_rps = statistics.mean(wr), statistics.mean(hr)
w_k, h_k = sum(wc) * 1000 / sum(wn), sum(hc) * 1000 / sum(hn)
print(f"wrk        mean {w_rps:10.0f} req/s (min {min(wr):.0f}, max {max(wr):.0f}), {w_k:.4f} CPU-s per 1,000 requests")
print(f"http_load  mean {h_rps:10.0f} req/s (min {min(hr):.0f}, max {max(hr):.0f}), {h_k:.4f} CPU-s per 1,000 requests")
print(f"ratios     req/s http_load/wrk = {h_rps / w_rps:.3f}   CPU per request http_load/wrk = {h_k / w_k:.3f}")
# Per pair (adjacent runs see the most similar machine): robust when other load comes and goes.
rps_pairs = [h / w for h, w in zip(hr, wr)]
cpu_pairs = [(c2 / n2) / (c1 / n1) for c1, n1, c2, n2 in zip(wc, wn, hc, hn)]
print(f"per pair   req/s ratio median {statistics.median(rps_pairs):.3f} (min {min(rps_pairs):.3f}, max "
      f"{max(rps_pairs):.3f})   CPU/request ratio median {statistics.median(cpu_pairs):.3f} "
      f"(min {min(cpu_pairs):.3f}, max {max(cpu_pairs):.3f})")
print(f"RATE {0.8 * max(w_rps, h_rps):.0f}")
PY
)
echo
grep -v '^RATE' <<<"$summary"
rate=$(sed -n 's/^RATE //p' <<<"$summary")

echo
wait_idle
load=$(cut -d' ' -f1-3 /proc/loadavg)
read -r n s cpu dropped < <(run_measured taskset -c "$CLIENT_CPU" "$HTTP_LOAD" -t 1 -c "$RATE_CONNECTIONS" \
    -d "${DURATION}s" --timeout 2s -R "$rate" "$URL")
python3 - "$rate" "$n" "$s" "$cpu" "$dropped" "$IDLE_NOTE" "$load" "$RATE_CONNECTIONS" <<'PY'
import sys
rate, n, s, cpu, dropped = (float(x) for x in sys.argv[1:6])
achieved = n / s
print(f"constant rate at 80 % of the maximum (http_load -R, -c {sys.argv[8]}): asked {rate:.0f} req/s, achieved {achieved:.0f} req/s "
      f"({100 * (achieved - rate) / rate:+.2f} %), {dropped:.0f} dropped, {cpu * 1000 / n:.4f} CPU-s per 1,000 "
      f"requests; machine {sys.argv[6]} ({sys.argv[7]})")
PY
echo "(${PAIRS} pairs of ${DURATION}s runs, ${CONNECTIONS} connections, 1 generator thread on CPU ${CLIENT_CPU}, nginx on CPU ${SERVER_CPU}; $(nproc) CPUs, $(uname -r))"
