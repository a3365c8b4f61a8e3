package dev.haven.api.core;

import dev.haven.store.Job;
import dev.haven.store.JobDao;
import dev.haven.store.ProtectedItem;
import java.util.List;
import org.jdbi.v3.core.Handle;

/**
 * The jobs of a protected item that were still open when the stack stopped. The embedded Temporal
 * server forgot their workflows, so on resume the enable-protection job goes on under the resumed
 * workflow (it finishes the copy where it stopped), and any other open job is closed as failed with
 * a reason an operator can act on, instead of showing "running" forever.
 */
final class InterruptedJobs {
  static final String ENABLE_PROTECTION = "enable-protection";
  static final String INTERRUPTED =
      "interrupted: Haven stopped while this job ran; the item resumed replication, run the"
          + " operation again if it is still wanted";

  private InterruptedJobs() {}

  /** Closes the item's interrupted jobs; returns the enable job that continues, or null. */
  static String settle(Handle h, ProtectedItem item, long nowMillis) {
    JobDao jobs = h.attach(JobDao.class);
    String continuing = null;
    for (Job job : jobs.list(item.id(), null, null, 1000)) {
      if (JobDao.TERMINAL_STATES.contains(job.state())) {
        continue;
      }
      if (job.type().equals(ENABLE_PROTECTION) && continuing == null && stillEnabling(item)) {
        continuing = job.id();
        continue;
      }
      jobs.updateState(job.movedTo("failed", nowMillis, INTERRUPTED));
    }
    return continuing;
  }

  private static boolean stillEnabling(ProtectedItem item) {
    return List.of("enabling", "initial-replication").contains(item.state());
  }
}
