package dev.haven.workflows.protection;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** R13 with R16: when the next delta cycle is due, at a fixed rate, and after failures. */
class CycleScheduleTest {
  @Test
  void R13_nextCycleIsDueOneCopyFrequencyAfterTheLastOneStarted() {
    CycleSchedule schedule = new CycleSchedule();
    // Before any cycle: one copy frequency.
    assertThat(schedule.nextDelay(5, 1_000)).isEqualTo(Duration.ofSeconds(5));

    // A cycle of 2 s: the next starts 3 s after it ended, 5 s after it started.
    schedule.cycleStarted(10_000);
    schedule.succeeded(12_000);
    assertThat(schedule.nextDelay(5, 12_000)).isEqualTo(Duration.ofSeconds(3));

    // A cycle longer than the copy frequency: the next one is due at once.
    schedule.cycleStarted(15_000);
    schedule.succeeded(22_500);
    assertThat(schedule.nextDelay(5, 22_500)).isEqualTo(Duration.ZERO);
  }

  @Test
  void R16_afterAFailureTheBackOffStillApplies() {
    CycleSchedule schedule = new CycleSchedule();
    schedule.cycleStarted(10_000);
    schedule.failed(11_000, true);
    assertThat(schedule.nextDelay(5, 11_000)).isEqualTo(Duration.ofMinutes(1));
    schedule.cycleStarted(71_000);
    schedule.succeeded(72_000);
    assertThat(schedule.nextDelay(5, 72_000)).isEqualTo(Duration.ofSeconds(4));
  }
}
