package dev.haven.worker;

import io.temporal.worker.WorkerFactoryOptions;
import io.temporal.worker.WorkerOptions;

/**
 * How much one Haven worker holds and runs at once. Every protected item is one long-running entity
 * workflow that wakes at its copy frequency, so the worker must keep every item's workflow in its
 * cache: an evicted workflow is replayed from its whole history (up to a few thousand events) at
 * its next timer, which at a thousand items costs more CPU than the cycles themselves. The SDK's
 * defaults (600 cached workflows, 600 workflow threads) are sized for short workflows.
 *
 * @param workflowCacheSize workflows kept in memory between their tasks (one per protected item)
 * @param maxWorkflowThreads threads for cached workflows: one each, plus one per running handler
 * @param maxConcurrentWorkflowTasks workflow tasks run at once
 * @param maxConcurrentActivities activities run at once (agent calls mostly wait on the network)
 * @param workflowPollers pollers of the workflow task queue
 * @param activityPollers pollers of the activity task queue
 */
public record WorkerTuning(
    int workflowCacheSize,
    int maxWorkflowThreads,
    int maxConcurrentWorkflowTasks,
    int maxConcurrentActivities,
    int workflowPollers,
    int activityPollers) {

  /**
   * Room for 2,000 protected items per worker. A cached item costs a parked thread and a few
   * hundred KiB of heap at most; the bench (bench/run scale) measures both at 1,000 items.
   */
  public static final WorkerTuning DEFAULTS = new WorkerTuning(2_000, 3_000, 200, 200, 4, 4);

  public WorkerTuning {
    if (workflowCacheSize < 1
        || maxWorkflowThreads < workflowCacheSize
        || maxConcurrentWorkflowTasks < 2
        || maxConcurrentActivities < 1
        || workflowPollers < 2
        || activityPollers < 1) {
      throw new IllegalArgumentException(
          "worker tuning needs a cache of at least one workflow, at least as many workflow"
              + " threads as cached workflows, at least 2 workflow tasks and pollers and one"
              + " activity and activity poller: "
              + this);
    }
  }

  WorkerFactoryOptions factoryOptions() {
    return WorkerFactoryOptions.newBuilder()
        .setWorkflowCacheSize(workflowCacheSize)
        .setMaxWorkflowThreadCount(maxWorkflowThreads)
        .build();
  }

  WorkerOptions workerOptions() {
    return WorkerOptions.newBuilder()
        .setMaxConcurrentWorkflowTaskExecutionSize(maxConcurrentWorkflowTasks)
        .setMaxConcurrentActivityExecutionSize(maxConcurrentActivities)
        .setMaxConcurrentWorkflowTaskPollers(workflowPollers)
        .setMaxConcurrentActivityTaskPollers(activityPollers)
        .build();
  }
}
