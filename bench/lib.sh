# The prologue the bench scripts share; source it (`source "$root/bench/lib.sh"`), do not run it.
#
#   run=$(bench_run_dir NAME)    a fresh run folder /tmp/neuropilot-NAME-XXXXXX (config files, logs, pid files)
#   in_use PORT                  true when something accepts on 127.0.0.1:PORT
#   free_port                    a port nothing accepts on, in 20000-31999
#   pids+=($!)                   a process cleanup stops
#   bench_cleanup_on_exit        on exit: stop every process in pids (by pid), wait for them, remove $run
#
# Loopback only. A script with its own cleanup (startup.sh) uses the first three and sets its own trap.

bench_run_dir() { mktemp -d "/tmp/neuropilot-$1-XXXXXX"; }

in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# Below the ephemeral range (32768-60999), where outgoing connections would collide.
free_port() { local p; while p=$((20000 + RANDOM % 12000)); in_use "$p"; do :; done; echo "$p"; }

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$run"; }
bench_cleanup_on_exit() { trap cleanup EXIT; }
