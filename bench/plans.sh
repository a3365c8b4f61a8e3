#!/usr/bin/env bash
# Recovery plans at scale (issue 6 point 8): bench/run plans [VMS] (100 by default). Starts
# `haven standalone` on free ports in a temporary data folder, protects VMS small VMs through the
# API, fails them over with a 3-group plan (planned, then unplanned once the item workflow offers
# it), prints the wall time per group and in total, and ends with
#   RESULT planN_planned_s=… planN_unplanned_s=…
# Targets for 100 VMs: planned <= 60 s, unplanned <= 30 s. Noisy on a shared machine.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
vms="${1:-100}"
jar="$root/dist/target/haven.jar"
"$root/haven" --version >/dev/null
work="$(mktemp -d /tmp/haven-plans-bench.XXXXXX)"
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# Agents take two adjacent ports each from a base: pick bases with room above them.
free_pair() {
  python3 - <<'PY'
import socket
for _ in range(100):
    a = socket.socket(); a.bind(("127.0.0.1", 0)); p = a.getsockname()[1]
    try:
        b = socket.socket(); b.bind(("127.0.0.1", p + 1)); c = socket.socket(); c.bind(("127.0.0.1", p + 2))
        print(p); break
    except OSError:
        pass
PY
}
api_port="$(free_port)"
temporal_port="$(free_port)"
agent_base="$(free_pair)"
nbd_base="$(free_pair)"
java ${HAVEN_JAVA_OPTS:-} -jar "$jar" standalone --data "$work/data" --temporal test-server \
  --api-port "$api_port" --temporal-port "$temporal_port" \
  --agent-port-base "$agent_base" --nbd-port-base "$nbd_base" >"$work/standalone.log" 2>&1 &
pid=$!
for _ in $(seq 1 240); do
  grep -q "Haven is ready" "$work/standalone.log" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/standalone.log" >&2; exit 1; }
  sleep 0.5
done
grep -q "Haven is ready" "$work/standalone.log" || { echo "stack did not start" >&2; exit 1; }
echo "standalone stack: API http://127.0.0.1:$api_port, data $work/data"
java -cp "$jar" dev.haven.dist.bench.PlanBench "http://127.0.0.1:$api_port" "$vms"
