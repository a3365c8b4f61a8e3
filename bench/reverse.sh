#!/usr/bin/env bash
# Reverse replication and return home (R25, R26): bench/reverse.sh runs the round trip with real
# agents over mutual TLS (ReturnHomeRealAgentsTest, 16 MiB disk) and prints the bytes each reverse
# resync sent beside its baseline, the blocks the workloads wrote (64 KiB each), then a RESULT line.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
start=$(date +%s)
./mvnw -B -q -o -pl dist -am verify -Dtest=ReturnHomeRealAgentsTest \
  -Dsurefire.failIfNoSpecifiedTests=false -Dspotless.check.skip=true >/dev/null
seconds=$(( $(date +%s) - start ))
out="dist/target/surefire-reports/dev.haven.dist.failover.ReturnHomeRealAgentsTest-output.txt"
value() { grep -o "RESULT $1=\[[0-9, ]*\]" "$out" | tail -1 | sed 's/.*\[\(.*\)\]/\1/'; }
away=$(value reverse_resync_bytes_sent)
home=$(value return_home_resync_bytes_sent)
unplanned=$(value unplanned_reverse_resync_bytes_sent)
printf 'reverse after planned failover: %s bytes sent (baseline: 5 blocks written = %d bytes; full disk = %d)\n' \
  "$away" $((5 * 65536)) $((16 << 20))
printf 'return home, reversed again:    %s bytes sent (baseline: 5 blocks written = %d bytes)\n' \
  "$home" $((5 * 65536))
printf 'reverse after unplanned:        %s bytes sent (baseline: 3 + 4 blocks differ = %d bytes)\n' \
  "$unplanned" $((7 * 65536))
echo "RESULT reverse_resync_bytes=$away return_home_resync_bytes=$home unplanned_reverse_resync_bytes=$unplanned round_trip_test_s=$seconds"
