import com.sun.management.OperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import javax.management.MBeanServerConnection;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * Looks into the Haven JVM over JMX: its CPU time in total and per group of threads (worker,
 * agents, API, Temporal client, gRPC), heap in use, thread count; and into /proc for its open file
 * descriptors. The groups come from thread names, which Temporal, gRPC, Jetty and Haven set.
 */
final class JvmProbe implements AutoCloseable {
  /** Thread-name prefixes and the group each belongs to; the first match wins. */
  private static final String[][] GROUPS = {
    {"Workflow Executor", "worker: workflow tasks"},
    {"workflow-method", "worker: workflow threads"},
    {"Activity Executor", "worker: activities"},
    {"Local Activity", "worker: activities"},
    {"Workflow Poller", "worker: pollers"},
    {"Activity Poller", "worker: pollers"},
    {"Local Activity Poller", "worker: pollers"},
    {"Sticky", "worker: pollers"},
    {"Host Local Workflow Poller", "worker: pollers"},
    {"nbd-", "agents: NBD"},
    {"block-hasher", "agents: other"},
    {"dw-", "API (Jetty)"},
    {"qtp", "API (Jetty)"},
    {"H2 ", "H2"},
    {"grpc-default-worker", "gRPC event loops (agents, Temporal client)"},
    {"grpc-nio-worker", "gRPC event loops (agents, Temporal client)"},
    {"grpc-default-executor", "gRPC executor (agent services)"},
    {"grpc-", "gRPC other"},
  };

  private final JMXConnector connector;
  private final ThreadMXBean threads;
  private final MemoryMXBean memory;
  private final OperatingSystemMXBean os;
  private final long pid;

  JvmProbe(int jmxPort, long pid) throws IOException {
    this.pid = pid;
    JMXServiceURL url =
        new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + jmxPort + "/jmxrmi");
    connector = JMXConnectorFactory.connect(url);
    MBeanServerConnection server = connector.getMBeanServerConnection();
    threads =
        ManagementFactory.newPlatformMXBeanProxy(
            server, ManagementFactory.THREAD_MXBEAN_NAME, ThreadMXBean.class);
    memory =
        ManagementFactory.newPlatformMXBeanProxy(
            server, ManagementFactory.MEMORY_MXBEAN_NAME, MemoryMXBean.class);
    os =
        ManagementFactory.newPlatformMXBeanProxy(
            server, ManagementFactory.OPERATING_SYSTEM_MXBEAN_NAME, OperatingSystemMXBean.class);
  }

  /** CPU and memory of the JVM at one moment. */
  record Snapshot(
      long atNanos,
      long processCpuNanos,
      Map<String, Long> groupCpuNanos,
      long heapUsed,
      int threadCount,
      long openFiles) {}

  Snapshot snapshot() {
    long[] ids = threads.getAllThreadIds();
    ThreadInfo[] infos = threads.getThreadInfo(ids);
    Map<String, Long> groups = new TreeMap<>();
    for (int i = 0; i < ids.length; i++) {
      if (infos[i] == null) {
        continue;
      }
      long cpu = threads.getThreadCpuTime(ids[i]);
      if (cpu > 0) {
        groups.merge(group(infos[i].getThreadName()), cpu, Long::sum);
      }
    }
    return new Snapshot(
        System.nanoTime(),
        os.getProcessCpuTime(),
        groups,
        memory.getHeapMemoryUsage().getUsed(),
        threads.getThreadCount(),
        openFiles(pid));
  }

  /** Heap in use right after a full collection: the live set. */
  long liveHeapAfterGc() {
    memory.gc();
    return memory.getHeapMemoryUsage().getUsed();
  }

  long maxHeap() {
    return memory.getHeapMemoryUsage().getMax();
  }

  /**
   * Each group's share of one core between two snapshots, in percent. Threads that ended between
   * them are missing; the rest of the process (GC, JIT, ended threads) is "JVM and other".
   */
  static Map<String, Double> cpuPercent(Snapshot from, Snapshot to) {
    double wall = to.atNanos() - from.atNanos();
    Map<String, Double> shares = new LinkedHashMap<>();
    long accounted = 0;
    for (Map.Entry<String, Long> e : to.groupCpuNanos().entrySet()) {
      long delta = Math.max(0, e.getValue() - from.groupCpuNanos().getOrDefault(e.getKey(), 0L));
      accounted += delta;
      shares.put(e.getKey(), 100.0 * delta / wall);
    }
    long total = to.processCpuNanos() - from.processCpuNanos();
    shares.put("JVM and other (GC, JIT, ended threads)", 100.0 * Math.max(0, total - accounted) / wall);
    return shares;
  }

  private static String group(String name) {
    for (String[] g : GROUPS) {
      if (name.startsWith(g[0])) {
        return g[1];
      }
    }
    return "other threads";
  }

  /** Open file descriptors of process {@code pid}, or -1 when /proc does not say. */
  static long openFiles(long pid) {
    try (var list = Files.list(Path.of("/proc/" + pid + "/fd"))) {
      return list.count();
    } catch (IOException e) {
      return -1;
    }
  }

  /** CPU time (user + system) of process {@code pid} from /proc, in nanoseconds. */
  static long procCpuNanos(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
      return ticks * 10_000_000L;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** Resident memory of process {@code pid} in bytes, from /proc. */
  static long rssBytes(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  @Override
  public void close() throws IOException {
    connector.close();
  }
}
