#!/usr/bin/env bash
# Haven's RPO under load (10 MB/s of random guest writes, a 5 s copy frequency) on the real
# standalone stack: `bench/run rpo`. Prints p50/p95 beside the baseline and a final RESULT line;
# RPO_SECONDS, RPO_WRITE_MB_S, RPO_FREQUENCY_S and RPO_DISK_MIB change the defaults (60, 10, 5,
# 1024), RPO_BUILD=1 rebuilds haven.jar first.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/rpo-under-load.sh"
rpo_run
