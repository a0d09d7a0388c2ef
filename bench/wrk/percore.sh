#!/usr/bin/env bash
# Work per proxy core, closed loop: wrk -t1 -c32 against each proxy in front of one nginx backend (`return 200`),
# the targets taken in turn, ROUNDS times (alternating, so a noisy minute hits every proxy alike). For each run:
# wrk's req/s, the proxy's CPU (user + kernel of all its processes, from /proc) per request and the user part,
# req/s per proxy core (req/s divided by the proxy's CPU share) and its RSS at the end of the run.
#
#   bench/wrk/percore.sh [--binary PATH] [--rounds N] [--seconds S] [--targets "edge-fast edge-yarp nginx haproxy direct"]
#
# Targets: edge-fast and edge-yarp (Edge.Engine fast / yarp, Edge.Scheduling inline), edge-pool (fast, Edge.Scheduling
# threadpool), nginx and haproxy (bench/peers/), direct (the backend itself).
# Env: EDGE_ENV="K=V ..." is put in front of the fast edge's command line (to try runtime knobs).
# Needs nginx, haproxy and wrk (apt-get install nginx haproxy wrk). Loopback only; bounded: ROUNDS x targets x S.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
binary=$root/artifacts/bin/neuropilot-edge
rounds=3
seconds=8
targets="edge-fast edge-yarp nginx haproxy"
while (($# > 0)); do
  case $1 in
    --binary) binary=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --targets) targets=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
for tool in nginx haproxy wrk envsubst; do
  command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install nginx haproxy wrk gettext-base)" >&2; exit 2; }
done
[[ -x $binary ]] || { echo "no edge binary at $binary (dotnet publish src/NeuroPilot.Edge -c Release -o artifacts/bin)" >&2; exit 2; }

source "$root/bench/lib.sh"
run=$(bench_run_dir percore)
bench_cleanup_on_exit

wait_up() { # url pid
  local deadline=$((SECONDS + 30))
  until curl -fsS -o /dev/null "$1" 2>/dev/null; do
    kill -0 "$2" 2>/dev/null || { echo "process for $1 exited" >&2; exit 1; }
    ((SECONDS < deadline)) || { echo "$1 did not answer in 30 s" >&2; exit 1; }
    sleep 0.1
  done
}

backend=$(free_port)
mkdir -p "$run/backend"
cat > "$run/backend/nginx.conf" <<NGINX
daemon off; master_process off; worker_processes 1; pid $run/backend/nginx.pid; error_log $run/backend/error.log error;
events { worker_connections 4096; }
http {
  access_log off; keepalive_timeout 75s; keepalive_requests 1000000;
  client_body_temp_path $run/backend/cb; proxy_temp_path $run/backend/px; fastcgi_temp_path $run/backend/fc;
  uwsgi_temp_path $run/backend/uw; scgi_temp_path $run/backend/sc;
  server { listen 127.0.0.1:$backend; location / { return 200 "hello"; } }
}
NGINX
nginx -p "$run/backend/" -c "$run/backend/nginx.conf" -e "$run/backend/error.log" & pids+=($!)
wait_up "http://127.0.0.1:$backend/" "$!"

declare -A port pid
start_peer() { # name file command...
  local name=$1 file=$2; shift 2
  port[$name]=$(free_port)
  mkdir -p "$run/$name"
  NP_LISTEN=127.0.0.1:${port[$name]} NP_UPSTREAM=127.0.0.1:$backend NP_RUNDIR=$run/$name \
    envsubst '${NP_LISTEN} ${NP_UPSTREAM} ${NP_RUNDIR}' < "$root/bench/peers/$file" > "$run/$name/$file"
  "$@" & pid[$name]=$!; pids+=($!)
  wait_up "http://127.0.0.1:${port[$name]}/" "${pid[$name]}"
}
start_edge() { # name engine scheduling env...
  local name=$1 engine=$2 scheduling=$3; shift 3
  port[$name]=$(free_port)
  local admin; admin=$(free_port)
  cat > "$run/$name.json" <<JSON
{ "Edge": { "Listen": ["http://127.0.0.1:${port[$name]}"], "Admin": { "Listen": "http://127.0.0.1:$admin" },
            "AccessLog": { "Enabled": false }, "Engine": "$engine", "Scheduling": "$scheduling" },
  "Services": { "api": { "Regions": [ { "Name": "r1", "Destinations": ["http://127.0.0.1:$backend"] } ] } } }
JSON
  env "$@" "$binary" run --config "$run/$name.json" > "$run/$name.log" 2>&1 & pid[$name]=$!; pids+=($!)
  wait_up "http://127.0.0.1:${port[$name]}/" "${pid[$name]}"
}

for target in $targets; do
  case $target in
    direct) port[direct]=$backend; pid[direct]=$(cat "$run/backend/nginx.pid") ;;
    nginx) start_peer nginx nginx.conf nginx -p "$run/nginx/" -c "$run/nginx/nginx.conf" -e "$run/nginx/error.log" ;;
    haproxy) start_peer haproxy haproxy.cfg haproxy -db -f "$run/haproxy/haproxy.cfg" ;;
    edge-fast) read -ra knobs <<< "${EDGE_ENV:-}"; start_edge edge-fast fast inline "${knobs[@]}" ;;
    edge-pool) start_edge edge-pool fast threadpool ;;
    edge-yarp) start_edge edge-yarp yarp inline ;;
    *) echo "unknown target $target" >&2; exit 2 ;;
  esac
done

# A process and its children (nginx's master and worker).
family() { echo "$1"; pgrep -P "$1" || true; }
ticks() { local t=0 u=0 p; for p in $(family "$1"); do read -r a b < <(awk '{ print $14, $15 }' "/proc/$p/stat"); t=$((t + a + b)); u=$((u + a)); done; echo "$t $u"; }
rss_kib() { local s=0 p; for p in $(family "$1"); do s=$((s + $(awk '$1 == "VmRSS:" { print $2 }' "/proc/$p/status"))); done; echo "$s"; }
hz=$(getconf CLK_TCK)

printf '%-10s %5s %10s %12s %10s %14s %8s\n' target round req/s cpu_us/req user_us req/s/core rss_MiB
for ((r = 1; r <= rounds; r++)); do
  for target in $targets; do
    url="http://127.0.0.1:${port[$target]}/"
    wrk -t1 -c32 -d1s "$url" > /dev/null # warm
    read -r t0 u0 < <(ticks "${pid[$target]}")
    out=$(wrk -t1 -c32 -d"${seconds}s" "$url")
    read -r t1 u1 < <(ticks "${pid[$target]}")
    rss=$(rss_kib "${pid[$target]}")
    requests=$(awk '/requests in/ { print $1 }' <<< "$out")
    non2xx=$(awk '/Non-2xx/ { print $NF }' <<< "$out")
    [[ -z $non2xx ]] || echo "warning: $target answered $non2xx non-2xx" >&2
    awk -v t="$target" -v r="$r" -v n="$requests" -v s="$seconds" -v c=$((t1 - t0)) -v u=$((u1 - u0)) -v hz="$hz" -v rss="$rss" 'BEGIN {
      cpu = c / hz; printf "%-10s %5d %10.0f %12.1f %10.1f %14.0f %8.1f\n", t, r, n / s, cpu * 1e6 / n, (u / hz) * 1e6 / n, n / cpu, rss / 1024 }'
  done
done
