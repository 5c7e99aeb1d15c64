#!/bin/sh
# rss-bench.sh — resident memory of a real kiosk process in -sim mode, idle
# and after N tickets pressed through its HTTP control endpoint, against a
# demo hall server on localhost. Run from the repository root:
#
#   sh kiosk/testdata/rss-bench.sh [N]     (default N = 1000)
set -eu
N=${1:-1000}
W=$(mktemp -d)
trap 'kill $KPID $SPID 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$W"' EXIT
go build -o "$W/hallserver" ./cmd/hallserver
go build -o "$W/kiosk" ./cmd/kiosk
"$W/hallserver" -demo -db "$W/hall.db" -addr 127.0.0.1:18080 >"$W/server.log" 2>&1 &
SPID=$!
until curl -sf http://127.0.0.1:18080/healthz >/dev/null 2>&1; do sleep 0.2; done
# The example config has no tokens: give the kiosk the demo hall's, as an
# earlier enrolment would have left them in its state directory.
printf 'demo-kiosk-1\n' >"$W/kiosk.token"
printf 'demo-pad-1\n' >"$W/pad-1.token"
printf 'demo-pad-2\n' >"$W/pad-2.token"
"$W/kiosk" -config firmware-config/kiosk.toml -sim -sim-keys=false -sim-listen 127.0.0.1:18090 \
	-sim-out "$W/tickets" -server http://127.0.0.1:18080 -state "$W" -log-level warn </dev/null >"$W/kiosk.log" 2>&1 &
KPID=$!
until curl -sf http://127.0.0.1:18090/state >/dev/null 2>&1; do sleep 0.2; done
rss() { awk -v k="$1" '$1 == k":" { print $2 / 1024 " MB" }' /proc/$KPID/status; }
sleep 10
echo "idle: VmRSS $(rss VmRSS), VmHWM $(rss VmHWM)"
start=$(date +%s)
i=0
while [ $i -lt "$N" ]; do
	case $((i % 3)) in 0) b=A ;; 1) b=B ;; *) b=C ;; esac
	curl -sf -X POST "http://127.0.0.1:18090/press/$b"
	i=$((i + 1))
	sleep 0.1
done
printed() { curl -sf http://127.0.0.1:18090/state | sed -E 's/.*"printed":([0-9]+).*/\1/'; }
until [ "$(printed)" -ge "$N" ] 2>/dev/null; do
	sleep 0.5
	[ $(($(date +%s) - start)) -gt $((N + 120)) ] && { echo "only $(printed) of $N printed"; break; }
done
sleep 2
echo "after $(printed) tickets ($(ls "$W/tickets" | wc -l) PNGs, $(( $(date +%s) - start )) s): VmRSS $(rss VmRSS), VmHWM $(rss VmHWM)"
sleep 30
echo "30 s later: VmRSS $(rss VmRSS)"
grep -c 'level=ERROR' "$W/kiosk.log" | sed 's/^/kiosk errors logged: /' || true
