#!/usr/bin/env bash
# What active health probes cost the edge: N destinations (default 10,000) probed every 10 s, all served by one
# local nginx on 0.0.0.0 and reached at distinct loopback addresses 127.0.X.Y (no setup: all of 127/8 is local).
# Prints the edge's CPU over a measured window (share of one core, µs per probe), its RSS and peak RSS, and how many
# destinations were up. Loopback only; bounded: warm-up + window, then everything it started is stopped.
#
#   bench/probes/probe-cost.sh [--destinations N] [--window SECONDS] [--binary PATH] [--warmup SECONDS] [--gcdump FILE]
#
# --gcdump FILE: after the window, a dotnet-gcdump of the edge (live objects; needs the JIT build, e.g.
# src/NeuroPilot.Edge/bin/Release/net10.0/neuropilot-edge, and `dotnet tool install -g dotnet-gcdump`); read it with
# `dotnet-gcdump report FILE`. Extra environment (DOTNET_gcServer=0, ...) is passed on to the edge.
#
# The binary defaults to artifacts/bin/neuropilot-edge (tests/run.sh publishes it there).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
destinations=10000
window=60
warmup=25
binary=$root/artifacts/bin/neuropilot-edge
gcdump=
while (($# > 0)); do
  case $1 in
    --destinations) destinations=$2; shift 2 ;;
    --window) window=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --binary) binary=$2; shift 2 ;;
    --gcdump) gcdump=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
command -v nginx >/dev/null || { echo "needs nginx (apt-get install nginx)" >&2; exit 2; }
[[ -x $binary ]] || { echo "no edge binary at $binary (dotnet publish src/NeuroPilot.Edge -c Release -o artifacts/bin)" >&2; exit 2; }
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

source "$root/bench/lib.sh"
run=$(bench_run_dir probe-cost)
bench_cleanup_on_exit
port=$(free_port); proxy=$(free_port); admin=$(free_port)

cat > "$run/nginx.conf" <<NGINX
daemon off; master_process off; worker_processes 1; pid $run/nginx.pid; error_log $run/error.log error;
worker_rlimit_nofile 65536;
events { worker_connections 40000; }
http {
  access_log off; keepalive_timeout 75s; keepalive_requests 1000000;
  client_body_temp_path $run/cb; proxy_temp_path $run/px; fastcgi_temp_path $run/fc; uwsgi_temp_path $run/uw; scgi_temp_path $run/sc;
  server { listen 0.0.0.0:$port; location = /healthz { return 200 "ok"; } }
}
NGINX
nginx -p "$run/" -c "$run/nginx.conf" -e "$run/error.log" & pids+=($!)

# Ten regions of N/10 destinations: 127.0.X.Y with Y in 1..250.
{
  printf '{ "Edge": { "Listen": ["http://127.0.0.1:%d"], "Admin": { "Listen": "http://127.0.0.1:%d" }, "AccessLog": { "Enabled": false } },\n' "$proxy" "$admin"
  printf '  "Services": { "api": { "HealthCheck": { "Path": "/healthz", "Interval": "10s", "Timeout": "2s" }, "Regions": [\n'
  per=$(( (destinations + 9) / 10 )); n=0
  for region in 0 1 2 3 4 5 6 7 8 9; do
    ((n >= destinations)) && break
    printf '    { "Name": "r%d", "Destinations": [' "$region"
    first=1
    for ((i = 0; i < per && n < destinations; i++, n++)); do
      ((first)) || printf ','
      first=0
      printf '"http://127.0.%d.%d:%d"' $((1 + n / 250)) $((1 + n % 250)) "$port"
    done
    printf '] }%s\n' "$([[ $region -lt 9 && $n -lt $destinations ]] && echo , || true)"
  done
  printf '  ] } } }\n'
} > "$run/edge.json"

"$binary" run --config "$run/edge.json" > "$run/edge.log" 2>&1 & edge=$!; pids+=($edge)
started=$(date +%s.%N)
until curl -fsS "http://127.0.0.1:$admin/healthz" >/dev/null 2>&1; do
  kill -0 "$edge" 2>/dev/null || { cat "$run/edge.log" >&2; exit 1; }
  (( $(date +%s) - ${started%.*} > 60 )) && { echo "edge did not start" >&2; exit 1; }
  sleep 0.2
done

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$edge/stat"; }
# Context switches of all the edge's threads (each is a thread going to sleep or being preempted: wake-ups).
switches() { cat /proc/"$edge"/task/*/status 2>/dev/null | awk '/ctxt_switches/ { s += $2 } END { printf "%d", s }'; }
kib() { awk -v k="$1" '$1 == k":" { print $2 }' "/proc/$edge/status"; }
probes() { curl -fsS "http://127.0.0.1:$admin/metrics" | awk '/^neuropilot_edge_probe_duration_seconds_count/ { s += $2 } END { printf "%d", s }'; }
up() { curl -fsS "http://127.0.0.1:$admin/metrics" | awk '/^neuropilot_edge_destination_healthy\{/ { s += $2 } END { printf "%d", s }'; }

sleep "$warmup"
# The probe count comes from a /metrics scrape (~40k series at 10,000 destinations), which costs the edge CPU of its
# own: the CPU window starts after the first scrape and ends before the last, so it holds probing only. Probes per
# second are counted between the two scrapes, CPU per second over the CPU window.
s0=$(date +%s.%N); p0=$(probes)
t0=$(date +%s.%N); c0=$(cpu_ticks); w0=$(switches)
sleep "$window"
t1=$(date +%s.%N); c1=$(cpu_ticks); w1=$(switches)
s1=$(date +%s.%N); p1=$(probes)
rss=$(kib VmRSS); hwm=$(kib VmHWM)
anon=$(awk '$1 == "Anonymous:" { print $2 }' "/proc/$edge/smaps_rollup")
heap=$(curl -fsS "http://127.0.0.1:$admin/metrics" | awk '/^dotnet_total_memory_bytes/ { printf "%d", $2 }')
hz=$(getconf CLK_TCK)
awk -v c0="$c0" -v c1="$c1" -v t0="$t0" -v t1="$t1" -v s0="$s0" -v s1="$s1" -v p0="$p0" -v p1="$p1" -v hz="$hz" -v n="$destinations" \
    -v w0="$w0" -v w1="$w1" -v rss="$rss" -v hwm="$hwm" -v anon="$anon" -v heap="$heap" -v up="$(up)" -v load="$(cut -d' ' -f1-3 /proc/loadavg)" 'BEGIN {
  cpu = (c1 - c0) / hz; wall = t1 - t0; rate = (p1 - p0) / (s1 - s0); share = cpu / wall
  printf "destinations %d, up %d; window %.1f s: %.0f probes/s; load average %s\n", n, up, wall, rate, load
  printf "edge CPU %.2f s = %.2f%% of one core, %.1f us per probe; RSS %.1f MiB, peak %.1f MiB\n",
    cpu, 100 * share, (rate > 0 ? 1e6 * share / rate : 0), rss / 1024, hwm / 1024
  printf "context switches %.0f/s; RSS anonymous %.1f MiB; GC heap (dotnet_total_memory_bytes, after the scrapes) %.1f MiB\n", (w1 - w0) / wall, anon / 1024, heap / 1048576
}'
if [[ -n $gcdump ]]; then
  "${DOTNET_GCDUMP:-$HOME/.dotnet/tools/dotnet-gcdump}" collect -p "$edge" -o "$gcdump" >/dev/null && echo "gcdump: $gcdump"
fi
