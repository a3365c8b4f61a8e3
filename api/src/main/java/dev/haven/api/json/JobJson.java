package dev.haven.api.json;

import dev.haven.store.Job;
import dev.haven.store.JobStep;
import java.util.List;

/** The JSON of jobs (R28). Times are ISO-8601 UTC; a job that has not started has none. */
public final class JobJson {
  private JobJson() {}

  /** A job with its steps in the order they started. */
  public record View(
      String id,
      String type,
      String state,
      String createdAt,
      String startedAt,
      String endedAt,
      List<Step> steps,
      String workflowId,
      String itemId,
      String error) {
    public static View of(Job job, List<JobStep> steps) {
      return new View(
          job.id(),
          job.type(),
          job.state(),
          Times.iso(job.createdAt()),
          Times.iso(job.startedAt()),
          Times.iso(job.endedAt()),
          steps.stream().map(Step::of).toList(),
          job.workflowId(),
          job.itemId(),
          job.error());
    }
  }

  /** One step of a job. */
  public record Step(String name, String state, String startedAt, String endedAt, String error) {
    public static Step of(JobStep s) {
      return new Step(
          s.name(), s.state(), Times.iso(s.startedAt()), Times.iso(s.endedAt()), s.error());
    }
  }
}
