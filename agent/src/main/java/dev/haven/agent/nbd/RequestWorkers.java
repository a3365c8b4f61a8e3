package dev.haven.agent.nbd;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The few threads that run one connection's requests, so that the connection's reader goes on
 * reading the next request (and its payload) while earlier ones are on the device, and writes with
 * FUA can share one fdatasync. Replies go out as requests finish, matched by handle.
 *
 * <p>Its threads are never interrupted (an interrupt during file I/O would close the device's
 * FileChannel under every other connection), and {@link #close()} waits for every request taken, so
 * that a connection that ended has finished with its device.
 */
final class RequestWorkers implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RequestWorkers.class);

  private final ExecutorService threads;

  RequestWorkers(int count, String namePrefix) {
    AtomicInteger counter = new AtomicInteger();
    ThreadPoolExecutor executor =
        new ThreadPoolExecutor(
            count,
            count,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            runnable -> {
              Thread thread = new Thread(runnable, namePrefix + counter.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
    executor.allowCoreThreadTimeOut(true);
    this.threads = executor;
  }

  /** Runs a request on a worker; the caller's payload budget bounds how many wait here. */
  void submit(Runnable request) {
    threads.execute(request);
  }

  /** Waits for every submitted request to finish. */
  @Override
  public void close() {
    threads.shutdown();
    boolean interrupted = false;
    while (true) {
      try {
        if (threads.awaitTermination(10, TimeUnit.SECONDS)) {
          break;
        }
        log.warn("NBD requests still running after 10 s; waiting on");
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
