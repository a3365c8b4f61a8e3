#!/usr/bin/env bash
# Haven at scale: a standalone stack with 100 and then 1,000 protected VMs on one worker (small
# disks, light guest churn over NBD, a 30 s copy frequency). For each size it prints the RPO at p50
# and p99, missed cycles, the Haven JVM's CPU (by thread group: worker, agents, API, gRPC) and heap,
# the Temporal server's CPU and the Temporal history length per item, and a
# `RESULT scale_vms=N rpo_p99_s=… missed=… …` line. Target: RPO p99 <= 60 s and no missed cycle at
# 1,000 VMs on a 2-core machine.
#
#   bench/run scale                      100, then 1000 VMs
#   SCALE_VMS="1000" bench/run scale     only some sizes
#   SCALE_SAMPLE_S=300 bench/run scale   sample longer (default 180 s after all are protected)
#   SCALE_TEMPORAL=embedded bench/run scale   the test server inside the Haven JVM (the default
#                                        standalone setup); by default it runs as its own process
#                                        (`haven temporal --temporal test-server`) so that its CPU
#                                        is measured apart from the worker's
#   SCALE_TEMPORAL_MODE=dev-server      the real Temporal server (`temporal server start-dev`, needs a
#                                        `temporal` binary) instead of the test server
#   SCALE_JFR=1 bench/run scale          also records a JFR profile of the Haven JVM per size
#   BENCH_NO_BUILD=1, BENCH_KEEP=1       skip the build; keep the data folders
#   HAVEN_JAR=/path/haven.jar            measure another build (the repo is still built unless BENCH_NO_BUILD=1)
#
# Other knobs (read by bench/java/scale/ScaleBench.java): SCALE_DISK_MIB (2), SCALE_CHURN_BLOCKS
# (2 blocks of 4 KiB per VM per period), SCALE_PERSISTENT_GUESTS (1: each VM's guest stays
# connected, as a running VM's does; 0: a connection per visit), SCALE_FREQUENCY_S (30),
# SCALE_API_CONCURRENCY (8), SCALE_PROTECT_TIMEOUT_S (1800), SCALE_CHURN_THREADS (4).
# HAVEN_JAVA_OPTS goes to the Haven JVM.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
SIZES="${SCALE_VMS:-100 1000}"
work="${BENCH_DIR:-$(mktemp -d /tmp/haven-scale.XXXXXX)}"
mkdir -p "$work"
jar="${HAVEN_JAR:-$repo/dist/target/haven.jar}"
classes="$work/classes"
PIDS=()
RESULT_LINES=()

log() { printf '%s\n' "$*" >&2; }

cleanup() {
  set +e
  stop_all
  if [ -z "${BENCH_KEEP:-}" ]; then
    rm -rf "$work"
  else
    log "kept $work"
  fi
  return 0
}
trap cleanup EXIT

# Stops every process this script started (SIGTERM, then SIGKILL after 30 s), newest first. A
# stopped process's non-zero status must not end the script (errexit), so every step may fail.
stop_all() {
  local i pid
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    pid="${PIDS[$i]}"
    kill "$pid" 2>/dev/null || continue
    for _ in $(seq 1 300); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  PIDS=()
}

# free_ports N: N consecutive free TCP ports on 127.0.0.1; prints the first.
free_ports() {
  python3 - "$1" <<'EOF'
import random, socket, sys
n = int(sys.argv[1])
for _ in range(200):
    base = random.randint(20000, 60000 - n)
    socks = []
    try:
        for p in range(base, base + n):
            s = socket.socket()
            s.bind(("127.0.0.1", p))
            socks.append(s)
        print(base)
        sys.exit(0)
    except OSError:
        pass
    finally:
        for s in socks:
            s.close()
sys.exit("no free ports")
EOF
}

build() {
  if [ -z "${BENCH_NO_BUILD:-}" ]; then
    log "building haven.jar …"
    (cd "$repo" && ./mvnw -B -q -o -DskipTests package -pl dist -am) >&2
  fi
  mkdir -p "$classes"
  javac -nowarn -d "$classes" -cp "$jar" "$here"/java/scale/*.java
}

# await_line FILE PATTERN SECONDS PID: waits until FILE has a line matching PATTERN.
await_line() {
  local file="$1" pattern="$2" seconds="$3" pid="$4"
  for _ in $(seq 1 $((seconds * 10))); do
    grep -qs -- "$pattern" "$file" && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  log "timed out waiting for '$pattern' in $file:"
  tail -50 "$file" >&2
  return 1
}

# run_size N: a fresh stack with N protected VMs, measured; appends its RESULT line.
run_size() {
  local n="$1" dir="$work/vms-$n" base api_port temporal_port jmx_port temporal_pid haven_pid
  local temporal_opt jfr_opt="" out
  mkdir -p "$dir"
  base="$(free_ports 8)"
  api_port="$base"
  temporal_port=$((base + 1))
  jmx_port=$((base + 3))
  if [ "${SCALE_TEMPORAL:-separate}" = embedded ]; then
    temporal_opt="${SCALE_TEMPORAL_MODE:-test-server}"
    temporal_pid=0
  else
    java ${SCALE_TEMPORAL_JAVA_OPTS:-} -jar "$jar" temporal --data "$dir" \
      --temporal "${SCALE_TEMPORAL_MODE:-test-server}" \
      --port "$temporal_port" >"$dir/temporal.log" 2>&1 &
    temporal_pid=$!
    PIDS+=("$temporal_pid")
    await_line "$dir/temporal.log" '^Temporal (' 60 "$temporal_pid"
    temporal_opt="127.0.0.1:$temporal_port"
  fi
  if [ -n "${SCALE_JFR:-}" ]; then
    jfr_opt="-XX:StartFlightRecording=filename=$dir/haven.jfr,settings=profile,dumponexit=true"
  fi
  # shellcheck disable=SC2086
  java ${HAVEN_JAVA_OPTS:-} $jfr_opt \
    -Dcom.sun.management.jmxremote.port="$jmx_port" \
    -Dcom.sun.management.jmxremote.rmi.port="$jmx_port" \
    -Dcom.sun.management.jmxremote.host=127.0.0.1 \
    -Djava.rmi.server.hostname=127.0.0.1 \
    -Dcom.sun.management.jmxremote.authenticate=false \
    -Dcom.sun.management.jmxremote.ssl=false \
    -jar "$jar" standalone --data "$dir" --temporal "$temporal_opt" \
    --api-port "$api_port" --temporal-port "$temporal_port" --temporal-ui-port $((base + 2)) \
    --agent-port-base $((base + 4)) --nbd-port-base $((base + 6)) >"$dir/haven.log" 2>&1 &
  haven_pid=$!
  PIDS+=("$haven_pid")
  await_line "$dir/haven.log" '^Haven is ready' 180 "$haven_pid"
  log "stack with Temporal ${temporal_opt} ready (Haven pid $haven_pid); $n VMs next"
  out="$dir/driver.out"
  java -cp "$jar:$classes" ScaleBench "http://127.0.0.1:$api_port" "127.0.0.1:$temporal_port" \
    "$jmx_port" "$haven_pid" "$temporal_pid" "$n" | tee "$out"
  RESULT_LINES+=("$(grep '^RESULT ' "$out" | tail -1)")
  if [ -n "${SCALE_JFR:-}" ]; then
    jcmd "$haven_pid" JFR.dump filename="$work/haven-$n.jfr" >/dev/null 2>&1 || true
    log "JFR profile of the Haven JVM: $work/haven-$n.jfr (kept: set BENCH_KEEP=1)"
  fi
  log "errors and warnings in the Haven log: $(grep -c -E ' (WARN|ERROR) ' "$dir/haven.log" || true)"
  stop_all
  if [ -z "${BENCH_KEEP:-}" ]; then
    rm -rf "$dir"
  fi
}

main() {
  # 1,000 running VMs hold an image and a live change log each at the source and a replica at the
  # target, all in the one standalone JVM: ask for the hard limit of open files.
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  build
  log "working in $work on $(nproc) cores, open files limit $(ulimit -n);" \
    "load: $(cut -d' ' -f1-3 /proc/loadavg)"
  for n in $SIZES; do
    run_size "$n"
  done
  printf '%s\n' "${RESULT_LINES[@]}"
}

main "$@"
