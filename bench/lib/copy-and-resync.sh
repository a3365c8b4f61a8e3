#!/usr/bin/env bash
# Copy-and-resync benchmark (issue 4 point 8): Haven's initial copy against cp and an rsync daemon
# with --whole-file, and Haven's resync (0%, 1%, 10% of 64 KiB blocks differing) against an rsync
# daemon with --inplace --no-whole-file, on the same files in the same run. Meant to be sourced
# (by bench/data-plane.sh, or bench/copy-resync.sh); every function is prefixed cr_.
#
#   cr_run [SIZE_MIB]   builds the agent's test classes, runs CopyResyncBench, prints each figure
#                       beside its baseline and a final RESULT line. CR_INITIAL_ONLY=true runs
#                       only the initial copy; CR_JAVA_OPTS adds JVM options (a JFR recording).

CR_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# Installs rsync when missing (a Debian package).
cr_need_rsync() {
  command -v rsync >/dev/null && return 0
  apt-get install -y -q rsync >/dev/null || sudo apt-get install -y -q rsync >/dev/null
}

# Starts an rsync daemon on a free loopback port, its module "bench" in $CR_TMP/rsync.
cr_rsyncd_start() {
  mkdir -p "$CR_TMP/rsync"
  CR_RSYNC_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  cat > "$CR_TMP/rsyncd.conf" <<CONF
pid file = $CR_TMP/rsyncd.pid
log file = $CR_TMP/rsyncd.log
use chroot = no
uid = $(id -u)
gid = $(id -g)
[bench]
  path = $CR_TMP/rsync
  read only = false
CONF
  rsync --daemon --address=127.0.0.1 --port="$CR_RSYNC_PORT" --config="$CR_TMP/rsyncd.conf"
  for _ in $(seq 50); do [ -s "$CR_TMP/rsyncd.pid" ] && return 0; sleep 0.1; done
  echo "rsync daemon did not start" >&2; return 1
}

cr_rsyncd_stop() {
  local pid
  pid=$(cat "$CR_TMP/rsyncd.pid" 2>/dev/null) || return 0
  kill "$pid" 2>/dev/null || return 0
  # Wait for it to go: it removes its pid file on the way out.
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
}

# Seconds a command takes, to the millisecond.
cr_time() {
  local t0 t1
  t0=$(date +%s.%N); "$@" >/dev/null; t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}

# A throwaway certificate for the TLS floor, made once per run.
cr_tls_cert() {
  [ -s "$CR_TMP/tls.crt" ] && return 0
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
    -subj /CN=localhost -keyout "$CR_TMP/tls.key" -out "$CR_TMP/tls.crt" 2>/dev/null
}

# settle SRC before each timed run: the page cache in one state, SRC warm (bench/lib/settle.sh).
source "$CR_ROOT/bench/lib/settle.sh"

# The baseline callback of CopyResyncBench: prints the seconds the baseline took.
#   cp SRC | rsync-whole SRC | rsync-whole-fsync SRC | snapshot FROM TO | rsync-delta SRC DIVERGED
#   and the two floors of a durable copy over TLS: tls-pipe SRC | durable-write SRC
#   settle SRC (before Haven's own run; prints 0)
cr_baseline() {
  local what=$1 src=$2 other=${3:-}
  case "$what" in
    settle)
      settle "$src"
      echo 0 ;;
    cp)
      rm -f "$CR_TMP/cp.img"
      settle "$src"
      cr_time cp "$src" "$CR_TMP/cp.img"
      rm -f "$CR_TMP/cp.img" ;;
    rsync-whole)
      rm -f "$CR_TMP/rsync/whole.img"
      settle "$src"
      cr_time rsync --whole-file "$src" "rsync://127.0.0.1:$CR_RSYNC_PORT/bench/whole.img"
      rm -f "$CR_TMP/rsync/whole.img" ;;
    rsync-whole-fsync)
      # The same, but durable before rsync ends, as Haven's copy is before it answers.
      rm -f "$CR_TMP/rsync/whole.img"
      settle "$src"
      cr_time rsync --whole-file --fsync "$src" "rsync://127.0.0.1:$CR_RSYNC_PORT/bench/whole.img"
      rm -f "$CR_TMP/rsync/whole.img" ;;
    tls-pipe)
      # The file through TLS over loopback into a reader that drops it (bench/lib/tls-pipe.py).
      cr_tls_cert
      settle "$src"
      python3 "$CR_ROOT/bench/lib/tls-pipe.py" "$CR_TMP/tls.crt" "$CR_TMP/tls.key" "$src" ;;
    durable-write)
      # The file written to this disk and forced, around the page cache as Haven's target does.
      rm -f "$CR_TMP/durable.img"
      settle "$src"
      cr_time dd if="$src" of="$CR_TMP/durable.img" bs=4M oflag=direct conv=fsync status=none
      rm -f "$CR_TMP/durable.img" ;;
    snapshot)
      # The replica as the resync will find it, for rsync to work on (not timed). Synced, so that
      # writing back this scratch copy does not land inside the timed resync that follows.
      cp "$src" "$other"; sync; echo 0 ;;
    rsync-delta)
      # rsync's quick check would skip a file of the same size; --ignore-times makes it compare.
      mv "$other" "$CR_TMP/rsync/delta.img"
      cr_time rsync --inplace --no-whole-file --ignore-times "$src" \
        "rsync://127.0.0.1:$CR_RSYNC_PORT/bench/delta.img"
      cmp -s "$src" "$CR_TMP/rsync/delta.img" || { echo "rsync left a different file" >&2; return 1; }
      rm -f "$CR_TMP/rsync/delta.img" ;;
    *) echo "unknown baseline $what" >&2; return 1 ;;
  esac
}

# Builds the agent's classes and test classes (never installs), then copies them into $CR_TMP so
# that a rebuild of the tree while the benchmark runs cannot change the classes under it.
cr_build() {
  local args=(-B -q -pl protocol,agent -am test-compile dependency:build-classpath
    -Dmdep.includeScope=test -Dmdep.outputFile="$CR_TMP/cp.txt")
  (cd "$CR_ROOT" && { ./mvnw -o "${args[@]}" || ./mvnw "${args[@]}"; } >/dev/null)
  mkdir -p "$CR_TMP/classes"
  cp -r "$CR_ROOT/agent/target/test-classes" "$CR_TMP/classes/agent-test"
  cp -r "$CR_ROOT/agent/target/classes" "$CR_TMP/classes/agent"
  cp -r "$CR_ROOT/protocol/target/classes" "$CR_TMP/classes/protocol"
  CR_CP="$CR_TMP/classes/agent-test:$CR_TMP/classes/agent:$CR_TMP/classes/protocol:$(cat "$CR_TMP/cp.txt")"
}

# Runs in a subshell, so that its EXIT trap cleans up even when a step fails under set -e.
cr_run() (
  local size=${1:-2048}
  cr_need_rsync
  CR_TMP=$(mktemp -d "${TMPDIR:-/tmp}/haven-copy-resync.XXXXXX")
  export CR_TMP CR_ROOT
  trap 'cr_rsyncd_stop; rm -rf "$CR_TMP"' EXIT
  local free_mib
  free_mib=$(df -Pm "$CR_TMP" | awk 'NR == 2 { print $4 }')
  if [ "$free_mib" -lt $((size * 4)) ]; then
    echo "copy-and-resync needs $((size * 4)) MiB free in $CR_TMP, has $free_mib" >&2
    return 1
  fi
  cr_build
  cr_rsyncd_start
  export CR_RSYNC_PORT
  echo "copy-and-resync: $(nproc) cores, $(awk '/MemTotal/ {print int($2/1024)}' /proc/meminfo) MiB," \
    "load $(cut -d' ' -f1-3 /proc/loadavg), $(rsync --version | head -1 | tr -s ' '), $(java -version 2>&1 | head -1)"
  java -Xmx1g ${CR_JAVA_OPTS:-} -Dhaven.bench.initialOnly="${CR_INITIAL_ONLY:-false}" \
    -cp "$CR_CP" dev.haven.agent.CopyResyncBench "$CR_TMP/work" "$size" \
    "source '$CR_ROOT/bench/lib/copy-and-resync.sh'; CR_TMP='$CR_TMP' CR_RSYNC_PORT=$CR_RSYNC_PORT cr_baseline"
)
