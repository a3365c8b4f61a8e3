package dev.haven.agent.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Checkpoints of an initial copy taken in the background: one at a time, in the order offered, a
 * failure reported to the stream, and waiting for the one being taken before the stream's last.
 */
class BackgroundCheckpointsTest {

  @Test
  void oneCheckpointAtATimeAndAwaitWaitsForIt() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch started = new CountDownLatch(1);
    List<Long> saved = new CopyOnWriteArrayList<>();
    try (BackgroundCheckpoints checkpoints =
        new BackgroundCheckpoints(
            next -> {
              started.countDown();
              try {
                release.await();
              } catch (InterruptedException e) {
                throw new IOException(e);
              }
              saved.add(next);
            },
            0,
            "test-checkpoint")) {
      assertThat(checkpoints.offer(256)).isTrue();
      assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
      // Still forcing: a second offer does not start another, and nothing is stored yet.
      assertThat(checkpoints.offer(512)).isFalse();
      assertThat(checkpoints.offered()).isEqualTo(256);
      assertThat(saved).isEmpty();
      release.countDown();
      checkpoints.await();
      assertThat(saved).containsExactly(256L);
      assertThat(checkpoints.offer(512)).isTrue();
      checkpoints.await();
      assertThat(saved).containsExactly(256L, 512L);
    }
  }

  @Test
  void aFailedCheckpointIsReportedToTheStream() throws Exception {
    try (BackgroundCheckpoints checkpoints =
        new BackgroundCheckpoints(
            next -> {
              throw new IOException("fsync failed");
            },
            0,
            "test-checkpoint")) {
      assertThat(checkpoints.offer(256)).isTrue();
      assertThatThrownBy(checkpoints::await)
          .isInstanceOf(IOException.class)
          .hasMessage("fsync failed");
      // Reported once; the next checkpoint is tried afresh.
      checkpoints.await();
    }
  }

  @Test
  void theNextOfferReportsAFailureNotYetAwaited() throws Exception {
    CountDownLatch failed = new CountDownLatch(1);
    try (BackgroundCheckpoints checkpoints =
        new BackgroundCheckpoints(
            next -> {
              failed.countDown();
              throw new IOException("no space left on device");
            },
            0,
            "test-checkpoint")) {
      checkpoints.offer(256);
      assertThat(failed.await(30, TimeUnit.SECONDS)).isTrue();
      while (checkpoints.busy()) {
        Thread.onSpinWait();
      }
      assertThatThrownBy(() -> checkpoints.offer(512))
          .isInstanceOf(IOException.class)
          .hasMessage("no space left on device");
    }
  }
}
