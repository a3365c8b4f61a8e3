package dev.haven.worker;

import dev.haven.workflows.activities.AgentActivities;
import dev.haven.workflows.activities.StoreActivities;
import dev.haven.workflows.model.TaskQueues;
import dev.haven.workflows.protection.ProtectedItemWorkflowImpl;
import io.temporal.client.WorkflowClient;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;

/**
 * Registers every Haven workflow and activity on {@link TaskQueues#HAVEN} and starts polling. The
 * worker is stateless: any number of them may run against the same Temporal namespace.
 */
public final class HavenWorker {
  private HavenWorker() {}

  /**
   * Starts a worker factory on {@code client} with the given activity implementations. The caller
   * owns the factory: {@code shutdown()} and {@code awaitTermination(…)} it when the process ends.
   */
  public static WorkerFactory start(
      WorkflowClient client, AgentActivities agent, StoreActivities store) {
    return start(client, agent, store, WorkerTuning.DEFAULTS);
  }

  /**
   * As {@link #start(WorkflowClient, AgentActivities, StoreActivities)}, sized by {@code tuning}.
   */
  public static WorkerFactory start(
      WorkflowClient client, AgentActivities agent, StoreActivities store, WorkerTuning tuning) {
    WorkerFactory factory = WorkerFactory.newInstance(client, tuning.factoryOptions());
    Worker worker = factory.newWorker(TaskQueues.HAVEN, tuning.workerOptions());
    worker.registerWorkflowImplementationTypes(ProtectedItemWorkflowImpl.class);
    worker.registerActivitiesImplementations(agent, store);
    factory.start();
    return factory;
  }
}
