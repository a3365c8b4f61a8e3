package dev.haven.activities.store;

import dev.haven.store.Drill;
import dev.haven.store.DrillDao;
import dev.haven.store.PairingDao;
import dev.haven.store.PolicyDao;
import dev.haven.store.ProtectedItemDao;
import dev.haven.workflows.activities.StoreActivities;
import io.temporal.failure.ApplicationFailure;
import org.jdbi.v3.core.Jdbi;

/**
 * Writes workflow state into the store (R14, R28). Every write is idempotent, because Temporal
 * retries activities: null fields of an {@link ItemUpdate} leave stored values alone, a recovery
 * point recorded twice stays one row, job steps upsert by job and name, and a finished job is never
 * reopened. Writes about an item or a job that the store does not know answer {@code Ack(false)}.
 */
public final class StoreActivitiesImpl implements StoreActivities {
  /** Longest error text kept, the width of the error columns. */
  static final int MAX_ERROR_CHARS = 4000;

  private final Jdbi jdbi;
  private final JobProjections jobs;
  private final ItemProjections items;
  private final RecoveryPointProjections points;

  public StoreActivitiesImpl(Jdbi jdbi) {
    this.jdbi = jdbi;
    this.jobs = new JobProjections(jdbi);
    this.items = new ItemProjections(jdbi);
    this.points = new RecoveryPointProjections(jdbi);
  }

  @Override
  public Ack recordDrill(DrillRecord r) {
    Drill drill =
        new Drill(
            r.jobId(),
            r.itemId(),
            r.testVmId(),
            r.pointId(),
            r.pointSeq(),
            r.startedAtMillis(),
            r.endedAtMillis(),
            r.durationMillis(),
            r.verdict(),
            r.notes(),
            r.cleanupJobId());
    return jdbi.inTransaction(
        h -> {
          if (h.attach(ProtectedItemDao.class).find(r.itemId()).isEmpty()) {
            return new Ack(false);
          }
          return new Ack(h.attach(DrillDao.class).record(drill));
        });
  }

  @Override
  public Ack recordItem(ItemUpdate update) {
    return items.recordItem(update);
  }

  @Override
  public Ack recordCycle(CycleRecord cycle) {
    return items.recordCycle(cycle);
  }

  @Override
  public Ack recordRecoveryPoint(RecoveryPointRecord point) {
    return points.record(point);
  }

  @Override
  public Ack recordJobStep(JobStepUpdate update) {
    return jobs.recordStep(update);
  }

  // --- reverse replication (R25) ---
  @Override
  public Ack recordDirection(DirectionUpdate update) {
    return items.recordDirection(update);
  }

  @Override
  public Ack forgetRecoveryPoints(ItemRef item) {
    return items.forgetRecoveryPoints(item.itemId());
  }

  // --- end reverse replication (R25) ---

  @Override
  public Ack recordJobState(JobStateUpdate update) {
    return jobs.recordState(update);
  }

  @Override
  public Ack openJob(JobOpen open) {
    return jobs.open(open);
  }

  // --- cloud site (issue 8) ---
  @Override
  public SiteStorage siteStorage(SiteRef site) {
    return new SiteStorage(
        jdbi.withExtension(dev.haven.store.SiteStorageDao.class, d -> d.find(site.siteId()))
            .orElse(null));
  }

  @Override
  public ItemPolicy itemPolicy(ItemRef ref) {
    return jdbi.withHandle(
        h ->
            h.attach(ProtectedItemDao.class)
                .find(ref.itemId())
                .flatMap(item -> h.attach(PairingDao.class).find(item.pairingId()))
                .flatMap(pairing -> h.attach(PolicyDao.class).find(pairing.policyId()))
                .map(
                    p ->
                        new ItemPolicy(
                            p.id(),
                            p.copyFrequencySeconds(),
                            p.recoveryPointRetentionHours(),
                            p.appConsistentFrequencyHours(),
                            p.resyncWindow(),
                            p.resyncTimeZone(),
                            p.compression(),
                            p.replicaDeletion()))
                .orElse(new ItemPolicy(null, 0, 0, 0, null, null, false, null)));
  }

  /** A projection that can never be written: retrying it would not help. */
  static ApplicationFailure invalid(String message) {
    return ApplicationFailure.newNonRetryableFailure(message, "InvalidProjection");
  }

  static String truncate(String text) {
    if (text == null || text.length() <= MAX_ERROR_CHARS) {
      return text;
    }
    return text.substring(0, MAX_ERROR_CHARS);
  }
}
