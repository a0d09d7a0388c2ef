#!/usr/bin/env bash
# Start to first proxied 200: how long `neuropilot-edge run --config FILE` takes from exec to the first request
# answered 200 through a proxy listener by an upstream that is already up.
#
#   bench/startup/startup.sh [--binary PATH] [--runs N] [--poller bash|curl] [--env VAR=VALUE]... [--probe]
#
# One test upstream (`neuropilot-edge upstream`) is started once; then, N times: the edge is started with a minimal
# config (one service, one region, one destination: that upstream), and a client polls GET /hello on the proxy
# listener until it gets a 200. The figure of a run is the wall time from just before the exec to that 200.
# Prints every run, then min / median / max, and /proc/loadavg before and after. Next to each wall time: the CPU
# the edge used until then, all threads (/proc/PID/task/*/schedstat): it does not grow when other processes take
# the cores, so it says what a start costs on a busy machine where the wall time cannot.
#
# Pollers: `bash` (default) connects with bash's /dev/tcp and reads the status line, in-process (no fork per try),
# with a 1 ms pause between tries so the poller does not take a core from the starting edge; `curl` runs
# `curl -sf` per try (a fork+exec of ~3-6 ms each, the method of the first figures: it adds up to one curl's time).
# --probe adds a HealthCheck (Path /healthz) to the service: the state before the first probe is measured too.
# --env passes an environment variable to the edge only (DOTNET_gcServer=0, DOTNET_TieredPGO=0, ...).
#
# Loopback only; bounded: every wait has a deadline (10 s), at most 200 runs; everything started is stopped by pid.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
binary=$root/artifacts/bin/neuropilot-edge
runs=21
poller=bash
probe=0
edge_env=()
while (($# > 0)); do
  case $1 in
    --binary) binary=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --poller) poller=$2; shift 2 ;;
    --env) edge_env+=("$2"); shift 2 ;;
    --probe) probe=1; shift ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ -x $binary ]] || { echo "no edge binary at $binary (dotnet publish src/NeuroPilot.Edge -c Release -o artifacts/bin)" >&2; exit 2; }
[[ $runs =~ ^[0-9]+$ ]] && ((runs >= 1 && runs <= 200)) || { echo "--runs takes 1-200" >&2; exit 2; }
[[ $poller == bash || $poller == curl ]] || { echo "--poller takes bash or curl" >&2; exit 2; }
[[ $poller == bash ]] || command -v curl >/dev/null || { echo "--poller curl needs curl" >&2; exit 2; }

source "$root/bench/lib.sh"
run=$(bench_run_dir startup)
upstream_port=$(free_port)
upstream=
edge=
cleanup() {
  [[ -n $edge ]] && kill "$edge" 2>/dev/null || true
  [[ -n $upstream ]] && kill "$upstream" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$run"
}
trap cleanup EXIT

# An in-process pause: read with a timeout on a pipe nobody writes to (no fork, unlike sleep).
exec {pause_fd}<> <(:)
pause() { read -r -t "$1" -u "$pause_fd" _ || true; }
now_us() { local t=${EPOCHREALTIME/./}; echo "$t"; }

# GET /hello on 127.0.0.1:$1; true on a 200.
get_200_bash() {
  local fd status
  { exec {fd}<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
  printf 'GET /hello HTTP/1.1\r\nHost: startup.test\r\nConnection: close\r\n\r\n' >&"$fd" 2>/dev/null || { exec {fd}>&-; return 1; }
  status=
  read -r -t 2 -u "$fd" status 2>/dev/null || true
  exec {fd}>&-
  [[ $status == "HTTP/1.1 200"* ]]
}
# CPU time (µs) the process $1 has used so far, all threads (schedstat is in ns; exited threads are not counted).
cpu_us() {
  local total=0 f ns
  for f in /proc/"$1"/task/*/schedstat; do
    read -r ns _ < "$f" 2>/dev/null || continue
    total=$((total + ns))
  done
  echo $((total / 1000))
}
get_200_curl() { curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$1/hello" 2>/dev/null; }
get_200() { "get_200_$poller" "$1"; }

# Waits (polling every $2 s, at most 10 s) for a 200 on port $1 while process $3 lives.
wait_200() {
  local port=$1 every=$2 pid=$3 deadline=$(( $(now_us) + 10000000 ))
  until get_200 "$port"; do
    kill -0 "$pid" 2>/dev/null || { echo "process $pid exited before answering on :$port" >&2; return 1; }
    (( $(now_us) < deadline )) || { echo "no 200 on :$port within 10 s" >&2; return 1; }
    [[ $every == 0 ]] || pause "$every"
  done
}

"$binary" upstream --listen "http://127.0.0.1:$upstream_port" --region us-east >"$run/upstream.log" 2>&1 & upstream=$!
wait_200 "$upstream_port" 0.05 "$upstream"

health=
((probe)) && health=', "HealthCheck": { "Path": "/healthz" }'
echo "binary: $binary ($(stat -c %s "$binary") bytes); poller: $poller; runs: $runs; probe: $probe; env: ${edge_env[*]:-(none)}"
echo "loadavg before: $(cat /proc/loadavg)"
figures=()
cpus=()
for ((i = 1; i <= runs; i++)); do
  proxy=$(free_port); admin=$(free_port)
  cat > "$run/edge.json" <<JSON
{ "Edge": { "Listen": ["http://127.0.0.1:$proxy"], "Admin": { "Listen": "http://127.0.0.1:$admin" } },
  "Services": { "api": { "Regions": [ { "Name": "us-east", "Destinations": ["http://127.0.0.1:$upstream_port"] } ]$health } } }
JSON
  t0=$(now_us)
  env "${edge_env[@]}" "$binary" run --config "$run/edge.json" >"$run/edge.out" 2>"$run/edge.err" & edge=$!
  if ! wait_200 "$proxy" 0.001 "$edge"; then
    tail -5 "$run/edge.err" >&2
    exit 1
  fi
  t1=$(now_us)
  cpu=$(cpu_us "$edge")
  ms=$(( (t1 - t0) / 1000 )); frac=$(( (t1 - t0) % 1000 / 100 ))
  figures+=("$ms.$frac")
  cpus+=("$(( cpu / 1000 )).$(( cpu % 1000 / 100 ))")
  printf 'run %d: %d.%d ms (edge CPU %d.%d ms)\n' "$i" "$ms" "$frac" "$(( cpu / 1000 ))" "$(( cpu % 1000 / 100 ))"
  kill "$edge"
  deadline=$(( $(now_us) + 10000000 ))
  while kill -0 "$edge" 2>/dev/null; do
    (( $(now_us) < deadline )) || { kill -9 "$edge" 2>/dev/null || true; break; }
    pause 0.01
  done
  wait "$edge" 2>/dev/null || true
  edge=
done
echo "loadavg after: $(cat /proc/loadavg)"
summary() {
  sort -n | awk -v what="$1" '{ v[NR] = $1 } END {
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "%s: min %.1f ms, median %.1f ms, max %.1f ms (%d runs)\n", what, v[1], m, v[NR], NR }'
}
printf '%s\n' "${figures[@]}" | summary "start to first proxied 200"
printf '%s\n' "${cpus[@]}" | summary "edge CPU until then (all threads)"
