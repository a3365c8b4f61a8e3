package dev.haven.activities.plans;

import dev.haven.store.Drill;
import dev.haven.store.DrillDao;
import dev.haven.store.Ids;
import dev.haven.store.Job;
import dev.haven.store.JobDao;
import dev.haven.store.ProtectedItem;
import dev.haven.store.ProtectedItemDao;
import dev.haven.store.RecoveryPointDao;
import dev.haven.workflows.plans.PlanActivities.AwaitJobInput;
import dev.haven.workflows.plans.PlanActivities.JobEnded;
import io.temporal.activity.Activity;
import io.temporal.failure.ApplicationFailure;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * Follows a job in the store until it ends, heartbeating while it runs, and reports how it ended
 * with the recovery point the item stands on.
 */
final class JobFollower {
  private final Jdbi jdbi;

  JobFollower(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  JobEnded await(AwaitJobInput in) {
    while (true) {
      Job job =
          jdbi.withExtension(JobDao.class, d -> d.find(in.jobId()))
              .orElseThrow(
                  () ->
                      ApplicationFailure.newNonRetryableFailure(
                          "job " + in.jobId() + " does not exist", "JobNotFound"));
      if (JobDao.TERMINAL_STATES.contains(job.state())) {
        return ended(in.itemId(), job);
      }
      // Heartbeating also delivers a cancelled run's request to stop following.
      Activity.getExecutionContext().heartbeat(job.state());
      try {
        Thread.sleep(PlanActivitiesImpl.POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw ApplicationFailure.newFailure(
            "interrupted while following " + in.jobId(), "Interrupted");
      }
    }
  }

  /**
   * How {@code job} ended and the recovery point the item stands on: for a test failover or its
   * clean-up, the point the drill ran (the item's own point moves on underneath a drill).
   */
  private JobEnded ended(String itemId, Job job) {
    return jdbi.withHandle(
        h -> {
          ProtectedItem item = h.attach(ProtectedItemDao.class).find(itemId).orElse(null);
          DrillDao drills = h.attach(DrillDao.class);
          Optional<Drill> drill =
              job.type().equals(PlanActivitiesImpl.TEST_FAILOVER_JOB)
                  ? drills.find(job.id())
                  : job.type().equals(PlanActivitiesImpl.TEST_CLEANUP_JOB)
                      ? drills.findByCleanupJob(job.id())
                      : Optional.empty();
          Long seq =
              drill.isPresent()
                  ? Long.valueOf(drill.get().pointSeq())
                  : item == null ? null : item.lastAppliedSeq();
          String point = null;
          Long pointAt = null;
          if (seq != null) {
            point = Ids.recoveryPoint(seq);
            pointAt =
                h.attach(RecoveryPointDao.class)
                    .findBySeq(itemId, seq)
                    .map(p -> p.createdAt())
                    .orElse(item == null ? null : item.lastRecoveryPointAt());
          }
          return new JobEnded(
              job.id(), job.state(), job.error(), job.startedAt(), job.endedAt(), point, pointAt);
        });
  }
}
