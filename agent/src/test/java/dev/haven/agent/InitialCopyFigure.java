package dev.haven.agent;

import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.ToDoubleFunction;

/**
 * The initial-copy figure of {@link CopyResyncBench}: Haven's copy of one disk and, on the same
 * file in the same rounds, its baselines (cp, an rsync daemon with {@code --whole-file}, with and
 * without {@code --fsync}) and the two floors of any durable copy over TLS on this machine: the
 * file through a TLS pipe over loopback with nothing else done ({@code tls-pipe}), and the file
 * written to this disk and forced with nothing else done ({@code durable-write}). A copy that must
 * do both cannot be faster than the slower of the two. Each figure is the median of a few rounds,
 * since a single run on a shared disk moved by a factor of two between minutes.
 */
final class InitialCopyFigure {
  /** One round's seconds: Haven's copy, its CPU and JIT seconds, and each baseline. */
  record Round(
      double haven,
      double cpu,
      double jit,
      double cp,
      double rsync,
      double rsyncFsync,
      double tlsPipe,
      double durableWrite) {
    double floor() {
      return Math.max(tlsPipe, durableWrite);
    }
  }

  /** Measures one round: the baselines through {@code baseline}, then Haven's copy. */
  interface Measure {
    double baseline(String what) throws Exception;
  }

  private InitialCopyFigure() {}

  /**
   * Runs {@code rounds} rounds, prints each and the medians, and answers the RESULT pairs:
   * initial_vs_rsync, initial_vs_cp (the issue's), initial_vs_rsync_fsync, floor_vs_rsync and
   * initial_vs_floor.
   */
  static String run(long sizeMib, int rounds, Measure baselines, Callable<double[]> copy)
      throws Exception {
    Round[] all = new Round[rounds];
    for (int i = 0; i < rounds; i++) {
      double cp = baselines.baseline("cp");
      double rsync = baselines.baseline("rsync-whole");
      double rsyncFsync = baselines.baseline("rsync-whole-fsync");
      double tls = baselines.baseline("tls-pipe");
      double durable = baselines.baseline("durable-write");
      // The same page-cache state as each baseline started from.
      baselines.baseline("settle");
      double[] haven = copy.call();
      all[i] = new Round(haven[0], haven[1], haven[2], cp, rsync, rsyncFsync, tls, durable);
      print("round " + (i + 1), sizeMib, all[i]);
    }
    Round m =
        new Round(
            median(all, Round::haven),
            median(all, Round::cpu),
            median(all, Round::jit),
            median(all, Round::cp),
            median(all, Round::rsync),
            median(all, Round::rsyncFsync),
            median(all, Round::tlsPipe),
            median(all, Round::durableWrite));
    print("median of " + rounds, sizeMib, m);
    line(
        "floor: TLS over loopback alone %.2f s, durable write alone %.2f s: no durable copy over"
            + " TLS here is faster than %.2f s = %.3fx rsync --whole-file (target 0.5x)",
        m.tlsPipe(), m.durableWrite(), m.floor(), m.floor() / m.rsync());
    return String.format(
        Locale.ROOT,
        "initial_vs_rsync=%.3f initial_vs_cp=%.3f initial_vs_rsync_fsync=%.3f floor_vs_rsync=%.3f"
            + " initial_vs_floor=%.3f",
        m.haven() / m.rsync(),
        m.haven() / m.cp(),
        m.haven() / m.rsyncFsync(),
        m.floor() / m.rsync(),
        m.haven() / m.floor());
  }

  private static void print(String label, long sizeMib, Round r) {
    line(
        "initial copy %d MiB, %s: haven %.2f s (%.2f s CPU, of which JIT %.2f s) | cp %.2f s"
            + " | rsync --whole-file %.2f s, with --fsync %.2f s | TLS pipe %.2f s"
            + " | durable write %.2f s",
        sizeMib,
        label,
        r.haven(),
        r.cpu(),
        r.jit(),
        r.cp(),
        r.rsync(),
        r.rsyncFsync(),
        r.tlsPipe(),
        r.durableWrite());
  }

  private static double median(Round[] rounds, ToDoubleFunction<Round> field) {
    double[] values = Arrays.stream(rounds).mapToDouble(field).sorted().toArray();
    int mid = values.length / 2;
    return values.length % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
  }

  private static void line(String format, Object... args) {
    System.out.println(String.format(Locale.ROOT, format, args));
    System.out.flush();
  }
}
