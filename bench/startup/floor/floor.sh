#!/usr/bin/env bash
# The floor under bench/startup/startup.sh: the same clock and poller against two tiny Native AOT servers that
# answer 200 to every request, one on the generic host as the edge builds it (slim WebApplication builder, console
# logging, Kestrel, one handler) and one on Kestrel built by hand (no host, no container on the start path).
#
#   bench/startup/floor/floor.sh [--runs N]     (publishes both into a temp folder first: about a minute each)
#
# Loopback only; bounded: 1-200 runs, a 10 s deadline per start; everything started is stopped by pid.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
runs=15
while (($# > 0)); do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ $runs =~ ^[0-9]+$ ]] && ((runs >= 1 && runs <= 200)) || { echo "--runs takes 1-200" >&2; exit 2; }
out=$(mktemp -d /tmp/neuropilot-startup-floor-XXXXXX)
server=
cleanup() { [[ -n $server ]] && kill "$server" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$out"; }
trap cleanup EXIT
for app in generic-host kestrel-only; do
  dotnet publish "$here/$app" -c Release -r linux-x64 -o "$out/$app" -p:TreatWarningsAsErrors=true >"$out/$app.log" 2>&1 ||
    { tail -20 "$out/$app.log" >&2; exit 1; }
done

in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() { local p; while p=$((20000 + RANDOM % 12000)); in_use "$p"; do :; done; echo "$p"; }
exec {pause_fd}<> <(:)
now_us() { local t=${EPOCHREALTIME/./}; echo "$t"; }
get_200() {
  local fd status=
  { exec {fd}<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
  printf 'GET / HTTP/1.1\r\nHost: floor.test\r\nConnection: close\r\n\r\n' >&"$fd" 2>/dev/null || { exec {fd}>&-; return 1; }
  read -r -t 2 -u "$fd" status 2>/dev/null || true
  exec {fd}>&-
  [[ $status == "HTTP/1.1 200"* ]]
}
cpu_ms() { local total=0 f ns; for f in /proc/"$1"/task/*/schedstat; do read -r ns _ < "$f" 2>/dev/null || continue; total=$((total + ns)); done; echo $((total / 1000000)); }
summary() {
  sort -n | awk -v what="$1" '{ v[NR] = $1 } END {
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "  %s: min %d ms, median %.1f ms, max %d ms (%d runs)\n", what, v[1], m, v[NR], NR }'
}
echo "loadavg before: $(cat /proc/loadavg)"
for app in generic-host kestrel-only; do
  walls=(); cpus=()
  for ((i = 1; i <= runs; i++)); do
    port=$(free_port)
    t0=$(now_us)
    "$out/$app/$app" "$port" >/dev/null 2>&1 & server=$!
    deadline=$((t0 + 10000000))
    until get_200 "$port"; do
      kill -0 "$server" 2>/dev/null || { echo "$app exited" >&2; exit 1; }
      (( $(now_us) < deadline )) || { echo "$app: no 200 within 10 s" >&2; exit 1; }
      read -r -t 0.001 -u "$pause_fd" _ || true
    done
    t1=$(now_us)
    cpus+=("$(cpu_ms "$server")"); walls+=("$(( (t1 - t0) / 1000 ))")
    kill "$server"; wait "$server" 2>/dev/null || true; server=
  done
  echo "$app ($(stat -c %s "$out/$app/$app") bytes):"
  printf '%s\n' "${walls[@]}" | summary "start to first 200"
  printf '%s\n' "${cpus[@]}" | summary "CPU until then"
done
echo "loadavg after: $(cat /proc/loadavg)"
