#!/usr/bin/env bash
# RPO-under-load benchmark (issue 4 point 8): `haven standalone` (the real stack: Temporal test
# server, worker, API, two agents over mTLS) on a temporary data folder with free ports; one VM
# whose guest writes random 64 KiB blocks at RPO_WRITE_MB_S (10) MB/s through Haven's NBD server;
# a copy frequency of RPO_FREQUENCY_S (5) s. Once the item is protected, the RPO (the age of the
# newest recovery point, from the API) is sampled every second for RPO_SECONDS (60) s; p50 and p95
# are printed beside the baseline (the copy frequency itself). Meant to be sourced (by
# bench/data-plane.sh, or bench/rpo.sh); every function is prefixed rpo_.
#
#   rpo_run   builds haven.jar when missing, runs the stack and RpoUnderLoad, prints the figures
#             and a final RESULT line (rpo_p50_s, rpo_p95_s, rpo_baseline_s, rpo_write_mb_s).

RPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

rpo_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# A port p such that p and p+1 are both free (the stack's agents take base, base+1).
rpo_free_pair() {
  python3 - <<'PY'
import socket
for _ in range(100):
    a = socket.socket(); a.bind(("127.0.0.1", 0)); p = a.getsockname()[1]
    b = socket.socket()
    try:
        b.bind(("127.0.0.1", p + 1)); print(p); break
    except OSError:
        pass
    finally:
        a.close(); b.close()
PY
}

# Runs in a subshell, so that its EXIT trap stops the stack even when a step fails under set -e.
rpo_run() (
  set -euo pipefail
  local jar="$RPO_ROOT/dist/target/haven.jar"
  if [ ! -f "$jar" ] || [ -n "${RPO_BUILD:-}" ]; then
    (cd "$RPO_ROOT" && ./mvnw -B -q -DskipTests package -pl dist -am) >&2
  fi
  RPO_TMP=$(mktemp -d "${TMPDIR:-/tmp}/haven-rpo.XXXXXX")
  local stack_pid=""
  trap 'set +e; if [ -n "$stack_pid" ]; then kill "$stack_pid" 2>/dev/null; wait "$stack_pid" 2>/dev/null; fi
        [ -n "${BENCH_KEEP:-}" ] || rm -rf "$RPO_TMP"' EXIT
  local api temporal ui agents nbd
  api=$(rpo_free_port); temporal=$(rpo_free_port); ui=$(rpo_free_port)
  agents=$(rpo_free_pair); nbd=$(rpo_free_pair)
  echo "rpo-under-load: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(qemu-io --version | head -1)"
  java ${HAVEN_JAVA_OPTS:-} -jar "$jar" standalone --data "$RPO_TMP/data" --temporal test-server \
    --api-port "$api" --temporal-port "$temporal" --temporal-ui-port "$ui" \
    --agent-port-base "$agents" --nbd-port-base "$nbd" >"$RPO_TMP/standalone.log" 2>&1 &
  stack_pid=$!
  for _ in $(seq 1 600); do
    grep -qs 'Haven is ready' "$RPO_TMP/standalone.log" && break
    kill -0 "$stack_pid" 2>/dev/null || break
    sleep 0.2
  done
  grep -qs 'Haven is ready' "$RPO_TMP/standalone.log" || {
    tail -50 "$RPO_TMP/standalone.log" >&2; echo "haven standalone did not start" >&2; return 1; }
  java -cp "$jar" "$RPO_ROOT/bench/java/RpoUnderLoad.java" "http://127.0.0.1:$api" \
    "${RPO_SECONDS:-60}" "${RPO_WRITE_MB_S:-10}" "${RPO_FREQUENCY_S:-5}" "${RPO_DISK_MIB:-1024}" || {
    tail -30 "$RPO_TMP/standalone.log" >&2; return 1; }
)
