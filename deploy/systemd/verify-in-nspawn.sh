#!/usr/bin/env bash
# Boots a throwaway Debian 12 container under systemd-nspawn (real systemd 252 as PID 1, loopback-only network) and
# checks deploy/systemd/neuropilot-edge.service end to end with a real binary: Type=notify start and status text,
# the hardening in force (dynamic uid, no capabilities, NoNewPrivileges, seccomp), proxying and an admin drain,
# `systemctl reload` (accepting a valid file, refusing a broken one), a watchdog restart of a hung process
# (SIGSTOP), and a clean stop. Not part of tests/run.sh: it needs root, debootstrap and systemd-container, and a
# few minutes for the first debootstrap.
#
#   sudo deploy/systemd/verify-in-nspawn.sh artifacts/bin/neuropilot-edge [ROOTFS_DIR]
set -euo pipefail
binary=$(realpath "${1:?usage: verify-in-nspawn.sh NEUROPILOT_EDGE_BINARY [ROOTFS_DIR]}")
root=${2:-/var/tmp/neuropilot-edge-nspawn}
here=$(cd "$(dirname "$0")" && pwd)

command -v systemd-nspawn >/dev/null && command -v debootstrap >/dev/null ||
  { echo "needs: apt-get install systemd-container debootstrap" >&2; exit 2; }
if [[ ! -x $root/lib/systemd/systemd ]]; then
  debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,curl,ca-certificates,procps bookworm "$root"
fi

install -m 0755 "$binary" "$root/usr/local/bin/neuropilot-edge"
install -d "$root/etc/neuropilot-edge"
cat >"$root/etc/neuropilot-edge/edge.json" <<'EOF'
{
  "Edge": { "Listen": ["http://127.0.0.1:8080"], "Admin": { "Listen": "http://127.0.0.1:9901" } },
  "Services": { "api": {
    "Regions": [ { "Name": "us-east", "Destinations": ["http://127.0.0.1:9001"] }, { "Name": "eu-west", "Destinations": ["http://127.0.0.1:9002"] } ],
    "HealthCheck": { "Path": "/healthz", "Interval": "00:00:02" } } }
}
EOF
install -m 0600 /dev/null "$root/etc/neuropilot-edge/edge.env"
echo "NEUROPILOT_EDGE_ADMIN_TOKEN=verify-token" >"$root/etc/neuropilot-edge/edge.env"
install -m 0644 "$here/neuropilot-edge.service" "$root/etc/systemd/system/neuropilot-edge.service"
cat >"$root/etc/systemd/system/np-upstream@.service" <<'EOF'
[Service]
ExecStart=/usr/local/bin/neuropilot-edge upstream --listen http://127.0.0.1:%i --region r%i
DynamicUser=yes
EOF

cat >"$root/root/verify.sh" <<'EOF'
#!/bin/bash
exec >/root/verify.log 2>&1
fail() { echo "FAIL: $*"; failed=1; }
show() { systemctl show neuropilot-edge -p "$1" --value; }
failed=0
systemctl start np-upstream@9001 np-upstream@9002
systemctl start neuropilot-edge || fail "start"
[[ $(show SubState) == running && $(show StatusText) == serving ]] || fail "not running with status 'serving'"
[[ $(curl -sS http://127.0.0.1:8080/hello) == "r9001 GET /hello" ]] || fail "proxy to us-east"
[[ $(curl -sS http://127.0.0.1:9901/readyz) == ready ]] || fail "readyz"
curl -fsS -X POST -H "Authorization: Bearer verify-token" http://127.0.0.1:9901/admin/services/api/regions/us-east/drain || fail "drain"
[[ $(curl -sS http://127.0.0.1:8080/hello) == "r9002 GET /hello" ]] || fail "proxy to eu-west after the drain"
pid=$(show MainPID)
grep -E "^(Uid|CapEff|CapBnd|NoNewPrivs|Seccomp):" /proc/$pid/status
grep -q "^CapEff:.*0000000000000000" /proc/$pid/status || fail "capabilities"
grep -q "^NoNewPrivs:.1" /proc/$pid/status || fail "NoNewPrivileges"
grep -q "^Seccomp:.2" /proc/$pid/status || fail "seccomp filter"
sleep 12
[[ $(show NRestarts) == 0 ]] || fail "restarted while healthy (watchdog keep-alives missing?)"
systemctl reload neuropilot-edge || fail "reload of a valid config"
cp /etc/neuropilot-edge/edge.json /root/edge.json.good
echo '{ "Edge": {' >/etc/neuropilot-edge/edge.json
systemctl reload neuropilot-edge && fail "reload accepted a broken config"
cp /root/edge.json.good /etc/neuropilot-edge/edge.json
[[ $(show MainPID) == "$pid" && $(show SubState) == running ]] || fail "a rejected reload disturbed the edge"
kill -STOP "$pid"
for _ in $(seq 60); do [[ $(show NRestarts) != 0 && $(show SubState) == running ]] && break; sleep 1; done
[[ $(show NRestarts) == 1 && $(show MainPID) != "$pid" ]] || fail "no watchdog restart of a hung (SIGSTOP) edge"
systemctl stop neuropilot-edge
[[ $(show Result) == success && $(show ExecMainStatus) == 0 ]] || fail "stop did not exit 0"
journalctl -u neuropilot-edge --no-pager | tail -30
[[ $failed == 0 ]] && echo "ALL CHECKS PASSED"
systemctl poweroff
EOF
chmod +x "$root/root/verify.sh"
cat >"$root/etc/systemd/system/verify.service" <<'EOF'
[Unit]
After=multi-user.target
[Service]
Type=oneshot
ExecStart=/root/verify.sh
[Install]
WantedBy=multi-user.target
EOF
ln -sf /etc/systemd/system/verify.service "$root/etc/systemd/system/multi-user.target.wants/verify.service"
rm -f "$root/root/verify.log"

timeout 300 systemd-nspawn -q -D "$root" --register=no --keep-unit --private-network -b >/dev/null || true
cat "$root/root/verify.log"
grep -q "ALL CHECKS PASSED" "$root/root/verify.log"
