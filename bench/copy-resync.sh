#!/usr/bin/env bash
# Haven's initial copy and checksum resync against cp and rsync: bench/copy-resync.sh [SIZE_MIB]
# (2048 by default). Prints each figure beside its baseline and a final RESULT line.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/copy-and-resync.sh"
cr_run "${1:-2048}"
