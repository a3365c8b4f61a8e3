package dev.haven.dist.failover;

import dev.haven.workflows.activities.StoreActivities;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The store's projections kept in memory, so that a test can read the jobs' steps and states that
 * the workflow recorded without a database. Each list holds the writes in the order they came.
 */
final class MemoryStore implements StoreActivities {
  final List<ItemUpdate> items = new CopyOnWriteArrayList<>();
  final List<RecoveryPointRecord> points = new CopyOnWriteArrayList<>();

  /** Items whose recovery points were forgotten, in order. */
  final List<String> forgotten = new CopyOnWriteArrayList<>();

  @Override
  public Ack forgetRecoveryPoints(ItemRef item) {
    forgotten.add(item.itemId());
    points.removeIf(p -> p.itemId().equals(item.itemId()));
    return new Ack(true);
  }

  final List<JobStepUpdate> steps = new CopyOnWriteArrayList<>();
  final List<JobStateUpdate> jobs = new CopyOnWriteArrayList<>();
  final List<DirectionUpdate> directions = new CopyOnWriteArrayList<>();
  final List<DrillRecord> drills = new CopyOnWriteArrayList<>();

  @Override
  public Ack recordDrill(DrillRecord drill) {
    drills.add(drill);
    return new Ack(true);
  }

  /** Issue 8: site id to object store, for the sites a test makes cloud sites. */
  final java.util.Map<String, String> siteStorage = new java.util.concurrent.ConcurrentHashMap<>();

  @Override
  public SiteStorage siteStorage(SiteRef site) {
    return new SiteStorage(siteStorage.get(site.siteId()));
  }

  @Override
  public Ack recordDirection(DirectionUpdate update) {
    directions.add(update);
    return new Ack(true);
  }

  @Override
  public Ack recordItem(ItemUpdate update) {
    items.add(update);
    return new Ack(true);
  }

  @Override
  public Ack recordRecoveryPoint(RecoveryPointRecord point) {
    points.add(point);
    return new Ack(true);
  }

  @Override
  public Ack recordCycle(CycleRecord cycle) {
    if (cycle.point() != null) {
      points.add(cycle.point());
    }
    items.add(cycle.item());
    return new Ack(true);
  }

  @Override
  public Ack recordJobStep(JobStepUpdate update) {
    steps.add(update);
    return new Ack(true);
  }

  @Override
  public Ack recordJobState(JobStateUpdate update) {
    jobs.add(update);
    return new Ack(true);
  }

  @Override
  public Ack openJob(JobOpen job) {
    jobs.add(new JobStateUpdate(job.jobId(), "running", job.atMillis(), null));
    return new Ack(true);
  }

  /** No policy is stored here: the workflow keeps the one it was started with. */
  @Override
  public ItemPolicy itemPolicy(ItemRef item) {
    return new ItemPolicy(null, 0, 0, 0, null, null, false, null);
  }

  /** The job's states in order: running, then succeeded or failed. */
  List<JobStateUpdate> states(String jobId) {
    return jobs.stream().filter(j -> j.jobId().equals(jobId)).toList();
  }

  /** The job's steps as name:state, in order. */
  List<String> steps(String jobId) {
    return steps.stream()
        .filter(s -> s.jobId().equals(jobId))
        .map(s -> s.step() + ":" + s.state())
        .toList();
  }
}
