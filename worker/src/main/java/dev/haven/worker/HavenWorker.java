package dev.haven.worker;

import dev.haven.activities.fence.FenceActivitiesImpl;
import dev.haven.workflows.activities.AgentActivities;
import dev.haven.workflows.activities.StoreActivities;
import dev.haven.workflows.model.TaskQueues;
import dev.haven.workflows.plans.MemberFailoverWorkflowImpl;
import dev.haven.workflows.plans.PlanActivities;
import dev.haven.workflows.plans.RecoveryPlanWorkflowImpl;
import dev.haven.workflows.protection.OldSourceFenceImpl;
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
    return start(client, agent, store, null);
  }

  /**
   * As {@link #start(WorkflowClient, AgentActivities, StoreActivities)}, with the activities of
   * recovery plans (R18) when {@code plans} is not null.
   */
  public static WorkerFactory start(
      WorkflowClient client, AgentActivities agent, StoreActivities store, PlanActivities plans) {
    return start(client, agent, store, plans, WorkerTuning.DEFAULTS);
  }

  /**
   * As {@link #start(WorkflowClient, AgentActivities, StoreActivities, PlanActivities)}, sized by
   * {@code tuning}.
   */
  public static WorkerFactory start(
      WorkflowClient client,
      AgentActivities agent,
      StoreActivities store,
      PlanActivities plans,
      WorkerTuning tuning) {
    WorkerFactory factory = WorkerFactory.newInstance(client, tuning.factoryOptions());
    Worker worker = factory.newWorker(TaskQueues.HAVEN, tuning.workerOptions());
    worker.registerWorkflowImplementationTypes(
        ProtectedItemWorkflowImpl.class,
        OldSourceFenceImpl.class,
        RecoveryPlanWorkflowImpl.class,
        MemberFailoverWorkflowImpl.class);
    worker.registerActivitiesImplementations(agent, store, new FenceActivitiesImpl(client));
    if (plans != null) {
      worker.registerActivitiesImplementations(plans);
    }
    factory.start();
    return factory;
  }
}
