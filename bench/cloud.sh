#!/usr/bin/env bash
# Replication to a cloud site's folder store against restic (issue 8 point 5): `bench/run cloud
# [SIZE_MIB]` (2048 by default). A random-data disk image is uploaded as Haven's source agent
# uploads it (4 MiB chunks, AES-256-GCM, zstd only where it helps, on every core), then 1% of its
# 64 KiB blocks are overwritten and shipped as one change log; beside it `restic backup` of the
# same image into a local repository (encrypted, compressed: repository version 2), first and
# second backup. Prints both times and the bytes each stored, checks that point 2 restores to the
# changed image, and ends with a RESULT line. BENCH_NO_BUILD=1 skips the build.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SIZE_MIB=${1:-2048}

command -v restic >/dev/null || apt-get install -y -q restic >/dev/null \
  || sudo apt-get install -y -q restic >/dev/null

TMP=$(mktemp -d "${TMPDIR:-/tmp}/haven-cloud-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
free_mib=$(df -Pm "$TMP" | awk 'NR == 2 { print $4 }')
if [ "$free_mib" -lt $((SIZE_MIB * 5)) ]; then
  echo "the cloud bench needs $((SIZE_MIB * 5)) MiB free in $TMP, has $free_mib" >&2
  exit 1
fi

if [ "${BENCH_NO_BUILD:-}" != 1 ]; then
  args=(-B -q -pl cloud -am test-compile dependency:build-classpath -Dmdep.includeScope=test
    -Dmdep.outputFile="$TMP/cp.txt")
  (cd "$ROOT" && { ./mvnw -o "${args[@]}" || ./mvnw "${args[@]}"; } >/dev/null)
else
  (cd "$ROOT" && ./mvnw -B -q -o -pl cloud dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile="$TMP/cp.txt" >/dev/null)
fi
mkdir -p "$TMP/classes"
cp -r "$ROOT/cloud/target/classes" "$TMP/classes/main"
cp -r "$ROOT/cloud/target/test-classes" "$TMP/classes/test"
CP="$TMP/classes/test:$TMP/classes/main:$(cat "$TMP/cp.txt")"
bench() { java -Xmx1g -cp "$CP" dev.haven.cloud.replica.CloudBench "$@"; }
# Seconds a command takes, to the millisecond.
timed() {
  local t0 t1
  t0=$(date +%s.%N); "$@" >/dev/null; t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }

echo "cloud: $(nproc) cores, $(awk '/MemTotal/ {print int($2/1024)}' /proc/meminfo) MiB," \
  "load $(cut -d' ' -f1-3 /proc/loadavg), $(restic version | cut -d' ' -f1-2), $(java -version 2>&1 | head -1)"
image="$TMP/disk.raw"
head -c $((SIZE_MIB << 20)) /dev/urandom > "$image"
disk_bytes=$((SIZE_MIB << 20))
export RESTIC_PASSWORD=haven-bench RESTIC_REPOSITORY="$TMP/restic" RESTIC_CACHE_DIR="$TMP/restic-cache"
restic init --repository-version 2 -q >/dev/null

cat "$image" >/dev/null # page cache warm for both
out=$(bench initial "$image" "$TMP/store" "$TMP/vault.keyring")
haven_initial_s=$(echo "$out" | field seconds)
haven_initial_bytes=$(du -sb "$TMP/store" | cut -f1)
restic_initial_s=$(timed restic backup -q "$image")
restic_initial_bytes=$(du -sb "$TMP/restic" | cut -f1)

out=$(bench delta "$image" "$TMP/store" "$TMP/vault.keyring" 1)
haven_delta_s=$(echo "$out" | field seconds)
blocks=$(echo "$out" | field blocks)
haven_delta_bytes=$(( $(du -sb "$TMP/store" | cut -f1) - haven_initial_bytes ))
cat "$image" >/dev/null
restic_delta_s=$(timed restic backup -q "$image")
restic_delta_bytes=$(( $(du -sb "$TMP/restic" | cut -f1) - restic_initial_bytes ))

# The delta's point must restore to the changed image, byte for byte.
bench restore "$image" "$TMP/store" "$TMP/vault.keyring" 2 "$TMP/restored.raw" >/dev/null
cmp -s "$image" "$TMP/restored.raw" || { echo "point 2 did not restore to the image" >&2; exit 1; }
rm -f "$TMP/restored.raw"

printf 'initial %d MiB: haven %s s, stored %d B | restic %s s, stored %d B\n' "$SIZE_MIB" \
  "$haven_initial_s" "$haven_initial_bytes" "$restic_initial_s" "$restic_initial_bytes"
printf 'delta (%s of %d 64 KiB blocks): haven %s s, stored %d B | restic %s s, stored %d B\n' \
  "$blocks" $((disk_bytes >> 16)) "$haven_delta_s" "$haven_delta_bytes" "$restic_delta_s" \
  "$restic_delta_bytes"
awk -v hi="$haven_initial_s" -v ri="$restic_initial_s" -v hd="$haven_delta_s" -v rd="$restic_delta_s" \
  -v hib="$haven_initial_bytes" -v db="$disk_bytes" -v hdb="$haven_delta_bytes" -v rdb="$restic_delta_bytes" \
  -v rib="$restic_initial_bytes" \
  'BEGIN { printf "RESULT cloud_initial_vs_restic=%.3f cloud_delta1_vs_restic=%.3f cloud_overhead=%.4f cloud_delta1_bytes_vs_restic=%.3f restic_overhead=%.4f\n",
    hi / ri, hd / rd, hib / db, hdb / rdb, rib / db }'
