package dev.haven.agent.replication;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The checkpoints of one initial-copy stream, taken on a thread of their own while the stream goes
 * on writing chunks.
 *
 * <p>A checkpoint forces the image and then stores the next chunk, so it costs the disk's time to
 * write back everything since the previous one: with 256 MiB between checkpoints, 0.13 to 0.46 s
 * each here, during which a receiver that checkpointed inline read nothing from the network (eight
 * such waits made up about 2 s of a 2 GiB copy). Taken here, the image is forced while the next
 * chunks arrive. Progress still never runs ahead of data: a checkpoint for chunk {@code n} is only
 * offered once every chunk before {@code n} was written, and the force that follows covers every
 * write made before it began.
 */
final class BackgroundCheckpoints implements AutoCloseable {
  /** Forces the image, then stores {@code next} as the copy's next chunk. */
  interface Checkpoint {
    void save(long next) throws IOException;
  }

  private final Checkpoint checkpoint;
  private final ExecutorService thread;
  private Future<?> running;
  private long offered;

  /** {@code saved}: the next chunk already stored when the stream began. */
  BackgroundCheckpoints(Checkpoint checkpoint, long saved, String name) {
    this.checkpoint = checkpoint;
    this.offered = saved;
    this.thread =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, name);
              t.setDaemon(true);
              return t;
            });
  }

  /** The next chunk of the newest checkpoint started. */
  long offered() {
    return offered;
  }

  /** Whether a checkpoint is still being taken. */
  boolean busy() {
    return running != null && !running.isDone();
  }

  /**
   * Starts a checkpoint of every chunk before {@code next} (all of them written) unless one is
   * still being taken; answers whether it started. Throws the failure of the previous one.
   */
  boolean offer(long next) throws IOException {
    if (busy()) {
      return false;
    }
    await();
    offered = next;
    running =
        thread.submit(
            () -> {
              checkpoint.save(next);
              return null;
            });
    return true;
  }

  /** Waits for the checkpoint being taken, if any; throws its failure. */
  void await() throws IOException {
    Future<?> last = running;
    if (last == null) {
      return;
    }
    try {
      last.get();
      running = null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while the image was forced");
    } catch (ExecutionException e) {
      running = null;
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IOException("checkpoint failed: " + e.getCause(), e.getCause());
    }
  }

  /** Lets a checkpoint being taken finish, then ends the thread. */
  @Override
  public void close() {
    thread.shutdown();
  }
}
