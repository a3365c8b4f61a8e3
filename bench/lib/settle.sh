#!/usr/bin/env bash
# settle [FILE]: brings the page cache to the same state before a timed run (not timed): dirty
# pages written back and, where the bench may (root), the clean ones dropped, then FILE (the run's
# source) read back in, warm. On this machine (a VM whose memory the host backs lazily) writing
# into a page cache that had grown by a few GiB cost six times the CPU (dd of 1 GiB into new files:
# 0.37 s, then 2.4 s each from the third on; 0.3 s each after a drop), so back-to-back runs were
# not alike: Haven's third 1 GiB guest-write run took three times its first, and cp took 4.3 s
# instead of 0.5 s after the other figures. BENCH_NO_SETTLE=1 leaves the cache alone. Sourced by
# bench/data-plane.sh and bench/lib/copy-and-resync.sh.
settle() {
  if [ -z "${BENCH_NO_SETTLE:-}" ]; then
    sync
    (echo 3 >/proc/sys/vm/drop_caches) 2>/dev/null || true
  fi
  [ -z "${1:-}" ] || cat "$1" >/dev/null
}
