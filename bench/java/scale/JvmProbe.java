import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.management.MBeanServerConnection;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * Looks into the Haven JVM over JMX (heap in use, live heap after a full GC, thread count) and into
 * /proc (CPU time, resident memory, open file descriptors). CPU by thread group is {@link
 * ThreadCpu}'s.
 */
final class JvmProbe implements AutoCloseable {
  private final JMXConnector connector;
  private final ThreadMXBean threads;
  private final MemoryMXBean memory;
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
  }

  /** Memory and threads of the JVM at one moment. */
  record Snapshot(long heapUsed, int threadCount, long openFiles) {}

  Snapshot snapshot() {
    return new Snapshot(
        memory.getHeapMemoryUsage().getUsed(), threads.getThreadCount(), openFiles(pid));
  }

  /** Heap in use right after a full collection: the live set. */
  long liveHeapAfterGc() {
    memory.gc();
    return memory.getHeapMemoryUsage().getUsed();
  }

  long maxHeap() {
    return memory.getHeapMemoryUsage().getMax();
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
