import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Light guest churn on every VM: every {@code periodSeconds} (each VM at its own random phase) a
 * guest connects to the VM's disk over NBD, writes {@code blocks} random 4 KiB blocks, flushes and
 * disconnects. The writes go through Haven's NBD server, so they are tracked and every cycle ships
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

  Churn(int threads) {
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
    try (NbdGuest guest = new NbdGuest(uri)) {
      long slots = diskBytes / BLOCK;
      for (int i = 0; i < blocks; i++) {
        synchronized (random) {
          random.nextBytes(data);
          guest.write(random.nextLong(slots) * BLOCK, data);
        }
      }
      guest.flush();
      writes.addAndGet(blocks);
    } catch (Exception e) {
      failures.incrementAndGet();
      lastFailure = uri + ": " + e;
    }
    visits.incrementAndGet();
    visitNanos.addAndGet(System.nanoTime() - start);
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

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
