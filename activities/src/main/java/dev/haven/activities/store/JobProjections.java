package dev.haven.activities.store;

import dev.haven.store.Job;
import dev.haven.store.JobDao;
import dev.haven.store.JobStep;
import dev.haven.store.ProtectedItemDao;
import dev.haven.workflows.activities.StoreActivities.Ack;
import dev.haven.workflows.activities.StoreActivities.JobOpen;
import dev.haven.workflows.activities.StoreActivities.JobStateUpdate;
import dev.haven.workflows.activities.StoreActivities.JobStepUpdate;
import java.util.function.BiFunction;
import org.jdbi.v3.core.Jdbi;

/**
 * The store's side of jobs (R28): jobs a workflow opens itself, their steps and their states. Every
 * write is idempotent: steps upsert by job and name, and a finished job is never reopened.
 */
final class JobProjections {
  private final Jdbi jdbi;

  JobProjections(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  Ack recordStep(JobStepUpdate update) {
    checkJobState(update.state());
    return withJob(
        update.jobId(),
        (jobs, job) -> {
          boolean ends = JobDao.TERMINAL_STATES.contains(update.state());
          Long endedAt = ends ? update.atMillis() : null;
          // A step that runs again (a retry after a failure) keeps its first start and loses
          // the old error; a step that ends keeps the error it ended with.
          String error = ends ? StoreActivitiesImpl.truncate(update.error()) : null;
          JobStep step = jobs.findStep(update.jobId(), update.step()).orElse(null);
          if (step == null) {
            jobs.insertStep(
                new JobStep(
                    update.jobId(),
                    update.step(),
                    jobs.nextOrdinal(update.jobId()),
                    update.state(),
                    update.atMillis(),
                    endedAt,
                    error));
          } else {
            Long startedAt = step.startedAt() != null ? step.startedAt() : update.atMillis();
            jobs.updateStep(
                new JobStep(
                    step.jobId(),
                    step.name(),
                    step.ordinal(),
                    update.state(),
                    startedAt,
                    endedAt,
                    error));
          }
          if (job.state().equals("queued")) {
            // The first step that reports means the job has started, even before the workflow
            // records the job's own state.
            jobs.updateState(withState(job, "running", update.atMillis(), null));
          }
          return new Ack(true);
        });
  }

  Ack recordState(JobStateUpdate update) {
    checkJobState(update.state());
    return withJob(
        update.jobId(),
        (jobs, job) -> {
          boolean finished = JobDao.TERMINAL_STATES.contains(job.state());
          if (finished && !JobDao.TERMINAL_STATES.contains(update.state())) {
            // A late report never reopens a job that already ended.
            return new Ack(false);
          }
          jobs.updateState(withState(job, update.state(), update.atMillis(), update.error()));
          return new Ack(true);
        });
  }

  Ack open(JobOpen open) {
    return jdbi.inTransaction(
        h -> {
          JobDao jobs = h.attach(JobDao.class);
          if (h.attach(ProtectedItemDao.class).find(open.itemId()).isEmpty()) {
            return new Ack(false);
          }
          if (jobs.find(open.jobId()).isPresent()) {
            return new Ack(true); // a retried activity: the job is there already
          }
          jobs.insert(
              new Job(
                  open.jobId(),
                  open.type(),
                  open.itemId(),
                  "queued",
                  open.atMillis(),
                  null,
                  null,
                  open.workflowId(),
                  null));
          return new Ack(true);
        });
  }

  /**
   * Runs {@code write} in one transaction on job {@code jobId} as stored; a job the store does not
   * know answers {@code Ack(false)} and nothing is written.
   */
  private Ack withJob(String jobId, BiFunction<JobDao, Job, Ack> write) {
    return jdbi.inTransaction(
        h -> {
          JobDao jobs = h.attach(JobDao.class);
          Job job = jobs.find(jobId).orElse(null);
          if (job == null) {
            return new Ack(false);
          }
          return write.apply(jobs, job);
        });
  }

  /** The job moved to {@code state}, its error cut to what the store keeps. */
  static Job withState(Job job, String state, long atMillis, String error) {
    return job.movedTo(state, atMillis, error == null ? null : StoreActivitiesImpl.truncate(error));
  }

  private static void checkJobState(String state) {
    if (state == null || !JobDao.STATES.contains(state)) {
      throw StoreActivitiesImpl.invalid("unknown job state '" + state + "'");
    }
  }
}
