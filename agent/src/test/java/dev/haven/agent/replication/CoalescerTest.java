package dev.haven.agent.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** R13: the parts of each record that later records of the same log overwrite are not sent. */
class CoalescerTest {

  @Test
  void R13_onlyWhatNoLaterRecordOverwritesIsSent() {
    Coalescer.Plan plan =
        Coalescer.plan(
            List.of(
                new long[] {0, 100}, // 0: split around record 2, cut by record 1 and 3
                new long[] {80, 40}, // 1: wholly visible
                new long[] {20, 10}, // 2: hidden by record 3
                new long[] {10, 30}, // 3: wholly visible
                new long[] {200, 8}, // 4: hidden by record 5
                new long[] {200, 8})); // 5: visible

    assertThat(plan.pieces(0)).containsExactly(new long[] {0, 10}, new long[] {40, 40});
    assertThat(plan.pieces(1)).isNull();
    assertThat(plan.pieces(2)).isEmpty();
    assertThat(plan.pieces(3)).isNull();
    assertThat(plan.pieces(4)).isEmpty();
    assertThat(plan.pieces(5)).isNull();
    assertThat(plan.uniqueBytes()).isEqualTo(120 + 8);
  }
}
