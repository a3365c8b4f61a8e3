package dev.haven.workflows.plans;

import static dev.haven.workflows.activities.ActivityRetries.backoff;

import dev.haven.workflows.activities.ActivityRetries;
import dev.haven.workflows.activities.StoreActivities;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;

/** The activity stubs of plan runs, each with explicit timeouts and retries. */
final class PlanRunActivities {

  /** Store calls, as the protection and the plan workflows both make them. */
  static final ActivityOptions STORE = ActivityRetries.STORE;

  /**
   * Sending a failover Update waits at most 15 s for the item's workflow; a few attempts, since a
   * retry after the Update went through is recognised by the job's row.
   */
  static final ActivityOptions START_FAILOVER =
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofMinutes(1))
          .setRetryOptions(backoff(Duration.ofSeconds(2), Duration.ofSeconds(20), 4))
          .build();

  /**
   * Following a failover job: as long as a failover may take, heartbeating every poll so that a
   * dead worker is noticed in seconds and a cancelled run stops following at once.
   */
  static final ActivityOptions AWAIT_JOB =
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofHours(12))
          .setHeartbeatTimeout(Duration.ofSeconds(30))
          .setRetryOptions(backoff(Duration.ofSeconds(2), Duration.ofMinutes(1), 0))
          .build();

  final PlanActivities plans;
  final PlanActivities starter;
  final PlanActivities follower;
  final StoreActivities store;

  PlanRunActivities() {
    plans = Workflow.newActivityStub(PlanActivities.class, STORE);
    starter = Workflow.newActivityStub(PlanActivities.class, START_FAILOVER);
    follower = Workflow.newActivityStub(PlanActivities.class, AWAIT_JOB);
    store = Workflow.newActivityStub(StoreActivities.class, STORE);
  }

  /**
   * A stub for one script: its own timeout plus a minute for the call, and a single attempt,
   * because a script is not known to be safe to run twice.
   */
  static PlanActivities scripts(int timeoutSeconds) {
    return Workflow.newActivityStub(
        PlanActivities.class,
        ActivityOptions.newBuilder()
            .setStartToCloseTimeout(Duration.ofSeconds(Math.max(1, timeoutSeconds) + 60L))
            .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
            .build());
  }
}
