#!/usr/bin/env bash
# Haven's data-plane figures, each beside a baseline measured in the same run on this machine.
#
#   bench/run data-plane                 every figure
#   FIGURES="nbd_seq" bench/run data-plane   only some (names of the figure_* functions)
#   NBD_ROUNDS=1 bench/run data-plane    one round of each guest-write figure (3 by default)
#   bench/run data-plane initial         only the initial copy against cp and rsync
#                                        (initial_vs_rsync, initial_vs_cp); COPY_MIB sets its size
#
# Figures add keys to RESULTS; the last line printed is `RESULT key=value …` with every key that
# was measured. To add a figure: write a figure_NAME function that prints its lines and calls
# `result KEY VALUE`, and add NAME to ALL_FIGURES.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
ALL_FIGURES="nbd_seq nbd_rand copy_resync rpo"
FIGURES="${FIGURES:-$ALL_FIGURES}"
work="${BENCH_DIR:-$(mktemp -d /tmp/haven-bench.XXXXXX)}"
mkdir -p "$work"
jar="$repo/dist/target/haven.jar"
RESULTS=()
PIDS=()

cleanup() {
  # No errexit here: a killed server's non-zero status must not stop the cleanup half-way.
  set +e
  for pid in "${PIDS[@]:-}"; do
    if [ -n "$pid" ]; then
      kill "$pid" 2>/dev/null
      wait "$pid" 2>/dev/null
    fi
  done
  if [ -z "${BENCH_KEEP:-}" ]; then
    rm -rf "$work"
  fi
  return 0
}
trap cleanup EXIT

log() { printf '%s\n' "$*" >&2; }
result() { RESULTS+=("$1=$2"); }
# ratio A B: A/B with three decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
now() { date +%s.%N; }
# median X…: the middle value (the mean of the two middle ones for an even count).
median() {
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
    if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# Guest-write figures are the median of this many rounds: one run moved by a fifth between runs.
ROUNDS="${NBD_ROUNDS:-3}"
elapsed() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.3f", e - s }'; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

build() {
  log "building haven.jar …"
  (cd "$repo" && ./mvnw -B -q -DskipTests package -pl dist -am) >&2
}

bench_java() { java -cp "$jar" "$here/java/BenchAgent.java" "$@"; }

# start_agent NAME: starts a Haven agent from the jar; sets AGENT_GRPC, AGENT_NBD_PORT.
start_agent() {
  local name="$1" grpc nbd
  grpc="$(free_port)"
  nbd="$(free_port)"
  bench_java config "$work" "$name" "$grpc" "$nbd"
  java ${HAVEN_JAVA_OPTS:-} -cp "$jar" dev.haven.agent.AgentMain --config "$work/$name.json" \
    >"$work/$name.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 300); do
    grep -qs '^agent ready' "$work/$name.log" && break
    sleep 0.1
  done
  grep -q '^agent ready' "$work/$name.log" || { cat "$work/$name.log" >&2; return 1; }
  AGENT_GRPC="127.0.0.1:$grpc"
  AGENT_NBD_PORT="$nbd"
}

# haven_export SIZE: a new tracked disk on the bench agent; prints its NBD URI.
haven_export() {
  local disk
  disk="$(bench_java tracked-vm "$work" "$AGENT_GRPC" "$1")"
  echo "nbd://127.0.0.1:$AGENT_NBD_PORT/$disk"
}

# qemu_export FILE: serves FILE with qemu-nbd over TCP; sets QEMU_URI and QEMU_PID. Not to be called in a
# $(…) subshell: the server's pid must reach PIDS, which cleanup stops.
qemu_export() {
  local port
  port="$(free_port)"
  qemu-nbd -f raw -t -b 127.0.0.1 -p "$port" "$1" >"$work/qemu-nbd-$port.log" 2>&1 &
  QEMU_PID=$!
  PIDS+=($!)
  for _ in $(seq 1 100); do
    nbdinfo "nbd://127.0.0.1:$port" >/dev/null 2>&1 && break
    sleep 0.1
  done
  QEMU_URI="nbd://127.0.0.1:$port"
}

# --- guest write path ---------------------------------------------------------------------------

# settle [FILE] before every timed run: the page cache in one state (bench/lib/settle.sh).
source "$here/lib/settle.sh"

GIB=$((1024 * 1024 * 1024))

# 1 GiB of random data copied with nbdcopy (flushed at the end) into each server, alternately,
# ROUNDS times; each round writes a new Haven disk, so that no round inherits another's change log.
figure_nbd_seq() {
  local src="$work/random-1g" start haven=() qemu=() haven_s qemu_s uri round
  [ -f "$src" ] || head -c "$GIB" /dev/urandom >"$src"
  truncate -s "$GIB" "$work/qemu-seq.img"
  qemu_export "$work/qemu-seq.img"
  for round in $(seq "$ROUNDS"); do
    settle "$src"
    start="$(now)"
    nbdcopy --flush "$src" "$QEMU_URI"
    qemu+=("$(elapsed "$start")")
    uri="$(haven_export "$GIB")"
    settle "$src"
    start="$(now)"
    nbdcopy --flush "$src" "$uri"
    haven+=("$(elapsed "$start")")
    log "nbd_seq round $round: haven ${haven[-1]} s, qemu-nbd ${qemu[-1]} s"
  done
  haven_s="$(median "${haven[@]}")"
  qemu_s="$(median "${qemu[@]}")"
  printf '%-44s haven %8.1f MiB/s   qemu-nbd %8.1f MiB/s (median of %d)\n' \
    "1 GiB sequential (nbdcopy --flush)" "$(awk -v t="$haven_s" 'BEGIN{print 1024/t}')" \
    "$(awk -v t="$qemu_s" 'BEGIN{print 1024/t}')" "$ROUNDS"
  result nbd_seq_vs_qemu "$(ratio "$qemu_s" "$haven_s")"
}

# rand_script FILE: 20,000 qemu-io writes of 64 KiB at random aligned offsets of a 1 GiB disk,
# the same offsets every time (fixed seed), then a flush.
rand_script() {
  awk -v n="${RAND_WRITES:-20000}" 'BEGIN {
    srand(42)
    for (i = 0; i < n; i++) printf "write -P %d %d 64k\n", i % 251, int(rand() * 16384) * 65536
    print "flush"
  }' >"$1"
}

# run_qemu_io URI SCRIPT MODE: runs the script through qemu-io; prints seconds taken.
run_qemu_io() {
  local start
  start="$(now)"
  qemu-io -f raw -t "$3" "$1" <"$2" >/dev/null
  elapsed "$start"
}

# 20,000 random 64 KiB writes with qemu-io in writeback mode (a flush at the end) and, as a
# second view, in writethrough mode (every write FUA) — the same offsets into each server, each
# the median of ROUNDS rounds on new disks.
figure_nbd_rand() {
  local script="$work/rand.qemu-io" mode haven_s qemu_s n="${RAND_WRITES:-20000}" round
  local haven qemu
  rand_script "$script"
  for mode in writeback writethrough; do
    haven=()
    qemu=()
    for round in $(seq "$ROUNDS"); do
      rm -f "$work/qemu-rand-$mode.img"
      truncate -s "$GIB" "$work/qemu-rand-$mode.img"
      qemu_export "$work/qemu-rand-$mode.img"
      settle
      qemu+=("$(run_qemu_io "$QEMU_URI" "$script" "$mode")")
      kill "$QEMU_PID" && wait "$QEMU_PID" || true
      settle
      haven+=("$(run_qemu_io "$(haven_export "$GIB")" "$script" "$mode")")
      log "nbd_rand $mode round $round: haven ${haven[-1]} s, qemu-nbd ${qemu[-1]} s"
    done
    haven_s="$(median "${haven[@]}")"
    qemu_s="$(median "${qemu[@]}")"
    printf '%-44s haven %8.0f writes/s qemu-nbd %8.0f writes/s (median of %d)\n' \
      "$n random 64 KiB writes (qemu-io $mode)" \
      "$(awk -v t="$haven_s" -v n="$n" 'BEGIN{print n/t}')" \
      "$(awk -v t="$qemu_s" -v n="$n" 'BEGIN{print n/t}')" "$ROUNDS"
    if [ "$mode" = writeback ]; then
      result nbd_rand_vs_qemu "$(ratio "$qemu_s" "$haven_s")"
    else
      result nbd_rand_fua_vs_qemu "$(ratio "$qemu_s" "$haven_s")"
    fi
  done
}

# Initial copy of a 2 GiB random disk between two agents (vs cp and an rsync daemon with
# --whole-file) and resync at 0%, 1% and 10% of blocks differing (vs rsync --inplace
# --no-whole-file): bench/lib/copy-and-resync.sh prints its figures and a RESULT line, whose keys
# join this script's. COPY_MIB sets the disk size.
figure_copy_resync() {
  local out line
  out="$(mktemp "${TMPDIR:-/tmp}/haven-copy-resync-out.XXXXXX")"
  (source "$(dirname "${BASH_SOURCE[0]}")/lib/copy-and-resync.sh" && cr_run "${COPY_MIB:-2048}") \
    | tee "$out"
  line="$(grep '^RESULT ' "$out" | tail -1)"
  rm -f "$out"
  for pair in ${line#RESULT }; do
    RESULTS+=("$pair")
  done
}

# RPO under load: the real standalone stack, one VM writing 10 MB/s of random blocks through
# Haven's NBD server, a 5 s copy frequency; bench/lib/rpo-under-load.sh prints p50/p95 beside the
# baseline (the copy frequency) and a RESULT line whose keys join this script's.
figure_rpo() {
  local out line
  out="$(mktemp "${TMPDIR:-/tmp}/haven-rpo-out.XXXXXX")"
  (source "$(dirname "${BASH_SOURCE[0]}")/lib/rpo-under-load.sh" && rpo_run) | tee "$out"
  line="$(grep '^RESULT ' "$out" | tail -1)"
  rm -f "$out"
  for pair in ${line#RESULT }; do
    RESULTS+=("$pair")
  done
}

main() {
  if [ "${1:-}" = initial ]; then
    # The copy figure builds what it needs itself: no haven.jar, no other figure.
    FIGURES=copy_resync
    export CR_INITIAL_ONLY=true
    BENCH_NO_BUILD=1
  fi
  [ -n "${BENCH_NO_BUILD:-}" ] || build
  log "working in $work on $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"
  case " $FIGURES " in *" nbd_"*) start_agent bench ;; esac
  for figure in $FIGURES; do
    "figure_$figure"
  done
  echo "RESULT ${RESULTS[*]}"
}

[ -n "${BENCH_LIB:-}" ] || main "$@"
