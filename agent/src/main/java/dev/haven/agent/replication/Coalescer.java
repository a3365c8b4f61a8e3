package dev.haven.agent.replication;

import dev.haven.agent.changelog.SealedLog;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Finds, in one sealed log, the parts of each record that a later record of the same log
 * overwrites, so that a block written several times between two seals ships once (R13). The log on
 * disk is not changed; the shipper sends only what is still visible at the seal, so the bytes sent
 * never exceed the log's unique dirty bytes.
 */
final class Coalescer {
  /** The visible pieces ({offset, length}) of each record that is partly or wholly overwritten. */
  record Plan(Map<Long, List<long[]>> cut, long uniqueBytes) {
    /** The pieces of record {@code index} to send; null means the whole record. */
    List<long[]> pieces(long index) {
      return cut.get(index);
    }
  }

  private Coalescer() {}

  static Plan plan(SealedLog log) throws IOException {
    List<long[]> ranges = new ArrayList<>();
    log.forEach(entry -> ranges.add(new long[] {entry.offset(), entry.length()}));
    return plan(ranges);
  }

  static Plan plan(List<long[]> ranges) {
    TreeMap<Long, Long> covered = new TreeMap<>();
    Map<Long, List<long[]>> cut = new HashMap<>();
    long unique = 0;
    // Newest first: whatever a newer record covers is hidden in every older one.
    for (int i = ranges.size() - 1; i >= 0; i--) {
      long start = ranges.get(i)[0];
      long end = start + ranges.get(i)[1];
      List<long[]> visible = subtract(covered, start, end);
      if (!(visible.size() == 1
          && visible.get(0)[0] == start
          && visible.get(0)[1] == end - start)) {
        cut.put((long) i, visible);
      }
      for (long[] v : visible) {
        unique += v[1];
      }
      add(covered, start, end);
    }
    return new Plan(cut, unique);
  }

  /** The parts of [start, end) that {@code covered} (disjoint, merged) does not hold. */
  private static List<long[]> subtract(TreeMap<Long, Long> covered, long start, long end) {
    List<long[]> out = new ArrayList<>();
    long at = start;
    Map.Entry<Long, Long> before = covered.floorEntry(start);
    if (before != null && before.getValue() > at) {
      at = before.getValue();
    }
    for (Map.Entry<Long, Long> c : covered.subMap(start, false, end, false).entrySet()) {
      if (c.getKey() > at) {
        out.add(new long[] {at, c.getKey() - at});
      }
      at = Math.max(at, c.getValue());
    }
    if (at < end) {
      out.add(new long[] {at, end - at});
    }
    return out;
  }

  private static void add(TreeMap<Long, Long> covered, long start, long end) {
    long s = start;
    long e = end;
    Map.Entry<Long, Long> before = covered.floorEntry(s);
    if (before != null && before.getValue() >= s) {
      s = before.getKey();
      e = Math.max(e, before.getValue());
    }
    Map.Entry<Long, Long> next = covered.ceilingEntry(s);
    while (next != null && next.getKey() <= e) {
      e = Math.max(e, next.getValue());
      covered.remove(next.getKey());
      next = covered.ceilingEntry(s);
    }
    covered.put(s, e);
  }
}
