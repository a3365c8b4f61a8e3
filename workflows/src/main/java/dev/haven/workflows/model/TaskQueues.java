package dev.haven.workflows.model;

/** The task queue names that workers poll and clients start workflows on. */
public final class TaskQueues {
  /** Every Haven workflow and activity runs on this queue. */
  public static final String HAVEN = "haven";

  private TaskQueues() {}
}
