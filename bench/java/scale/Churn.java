import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Light guest churn on every VM: every {@code periodSeconds} (each VM at its own random phase) a
 * guest writes {@code blocks} random 4 KiB blocks to the VM's disk over NBD and flushes, staying
 * connected between visits as a running VM does (or connecting anew each time). The writes go through Haven's NBD server, so they are tracked and every cycle ships
 * them. A few threads serve all VMs, since each visit takes a few milliseconds.
 */
final class Churn implements AutoCloseable {
  static final int BLOCK = 4096;

  private final ScheduledExecutorService pool;
  private final AtomicLong writes = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private final AtomicLong visits = new AtomicLong();
  private final AtomicLong visitNanos = new AtomicLong();
  private volatile String lastFailure = "";
  private final boolean persistent;
  private final Map<String, NbdGuest> guests = new ConcurrentHashMap<>();

  /**
   * With {@code persistent}, each VM's guest stays connected between visits, as a running VM's
   * does (and the agent holds a connection and its threads per VM); otherwise every visit connects
   * anew.
   */
  Churn(int threads, boolean persistent) {
    this.persistent = persistent;
    pool =
        Executors.newScheduledThreadPool(
            threads,
            r -> {
              Thread t = new Thread(r, "churn");
              t.setDaemon(true);
              return t;
            });
  }

  /** Starts writing to each disk in {@code nbdUris} every {@code periodSeconds}. */
  void start(List<String> nbdUris, long diskBytes, int blocks, int periodSeconds) {
    for (String uri : nbdUris) {
      long phase = ThreadLocalRandom.current().nextLong(periodSeconds * 1000L);
      SplittableRandom random = new SplittableRandom(uri.hashCode());
      pool.scheduleAtFixedRate(
          () -> visit(uri, diskBytes, blocks, random),
          phase,
          periodSeconds * 1000L,
          TimeUnit.MILLISECONDS);
    }
  }

  private void visit(String uri, long diskBytes, int blocks, SplittableRandom random) {
    long start = System.nanoTime();
    byte[] data = new byte[BLOCK];
    NbdGuest guest = null;
    // One visit per VM at a time (fixed-rate tasks never overlap themselves).
    synchronized (random) {
      try {
        guest = persistent ? guests.get(uri) : null;
        if (guest == null) {
          guest = new NbdGuest(uri);
          if (persistent) {
            guests.put(uri, guest);
          }
        }
        long slots = diskBytes / BLOCK;
        for (int i = 0; i < blocks; i++) {
          random.nextBytes(data);
          guest.write(random.nextLong(slots) * BLOCK, data);
        }
        guest.flush();
        writes.addAndGet(blocks);
        if (!persistent) {
          guest.close();
        }
      } catch (Exception e) {
        failures.incrementAndGet();
        lastFailure = uri + ": " + e;
        guests.remove(uri);
        closeQuietly(guest);
      }
    }
    visits.incrementAndGet();
    visitNanos.addAndGet(System.nanoTime() - start);
  }

  private static void closeQuietly(NbdGuest guest) {
    if (guest != null) {
      try {
        guest.close();
      } catch (Exception ignored) {
        // Already broken.
      }
    }
  }

  long writes() {
    return writes.get();
  }

  long failures() {
    return failures.get();
  }

  String lastFailure() {
    return lastFailure;
  }

  /** Mean time of one visit (connect, writes, flush, disconnect) in milliseconds. */
  double meanVisitMillis() {
    long n = visits.get();
    return n == 0 ? 0 : visitNanos.get() / 1e6 / n;
  }

  /** Guests connected right now. */
  int connected() {
    return guests.size();
  }

  @Override
  public void close() {
    pool.shutdownNow();
    guests.values().forEach(Churn::closeQuietly);
  }
}
