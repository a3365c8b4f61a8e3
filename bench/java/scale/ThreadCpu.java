import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU time of a process by group of threads, from /proc/PID/task/TID/stat, read every few seconds
 * from outside the process (no cost inside it). Thread pools end idle threads (Temporal's activity
 * and workflow executors after a second, the NBD server after each connection), so a single
 * before/after look would lose their CPU: polling adds each thread's growth as it goes, and loses
 * at most one interval of a thread that ends. Linux cuts thread names to 15 characters, which the
 * prefixes below allow for.
 */
final class ThreadCpu {
  /** Thread-name prefixes and the group each belongs to; the first match wins. */
  private static final String[][] GROUPS = {
    {"workflow-method", "worker: workflow code"},
    {"Workflow Execut", "worker: workflow tasks"},
    {"Workflow Poller", "worker: pollers"},
    {"Host Local Work", "worker: pollers"},
    {"Activity Poller", "worker: pollers"},
    {"Activity Execut", "worker: activities"},
    {"Local Activity", "worker: local activities"},
    {"Activity Heartb", "worker: activities"},
    {"Temporal", "worker: other Temporal SDK"},
    {"nbd-", "agents: NBD"},
    {"block-hasher", "agents: other"},
    {"dw-", "API (Jetty)"},
    {"qtp", "API (Jetty)"},
    {"H2 ", "H2"},
    {"grpc-default-wo", "gRPC event loops"},
    {"grpc-nio-worker", "gRPC event loops"},
    {"grpc-default-ex", "gRPC executor (agent services, test server)"},
    {"grpc-", "gRPC other"},
    {"GC ", "JVM: GC"},
    {"G1 ", "JVM: GC"},
    {"C1 ", "JVM: JIT"},
    {"C2 ", "JVM: JIT"},
    {"VM ", "JVM: other"},
  };

  private static final long NANOS_PER_TICK = 10_000_000L;

  private final long pid;
  private final Map<Long, Long> lastTicks = new HashMap<>();
  private final Map<String, Long> groupTicks = new TreeMap<>();
  private final Map<String, Long> otherNames = new HashMap<>();

  ThreadCpu(long pid) {
    this.pid = pid;
  }

  /** Reads every thread's CPU time and adds its growth since the last poll to its group. */
  synchronized void poll() {
    Path tasks = Path.of("/proc/" + pid + "/task");
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(tasks)) {
      for (Path task : dir) {
        String stat;
        try {
          stat = Files.readString(task.resolve("stat"));
        } catch (IOException ended) {
          continue;
        }
        long tid = Long.parseLong(task.getFileName().toString());
        String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
        Long before = lastTicks.put(tid, ticks);
        long delta = before == null ? 0 : Math.max(0, ticks - before);
        if (delta > 0) {
          String group = group(name);
          groupTicks.merge(group, delta, Long::sum);
          if (group.equals("other threads")) {
            otherNames.merge(name.replaceAll("[0-9]+", "N"), delta, Long::sum);
          }
        }
      }
    } catch (IOException e) {
      // The process ended; the figures so far stand.
    }
  }

  /** CPU nanoseconds per group since the first poll. */
  synchronized Map<String, Long> groupNanos() {
    Map<String, Long> nanos = new LinkedHashMap<>();
    groupTicks.forEach((g, t) -> nanos.put(g, t * NANOS_PER_TICK));
    return nanos;
  }

  /** The busiest thread names that no group claims, for refining the groups. */
  synchronized String topOthers() {
    StringBuilder sb = new StringBuilder();
    otherNames.entrySet().stream()
        .sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
        .limit(5)
        .forEach(e -> sb.append(e.getKey()).append(' ').append(e.getValue() * 10).append(" ms; "));
    return sb.toString();
  }

  private static String group(String name) {
    for (String[] g : GROUPS) {
      if (name.startsWith(g[0])) {
        return g[1];
      }
    }
    return "other threads";
  }
}
