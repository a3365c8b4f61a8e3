package dev.haven.workflows.plans;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;
import static org.mockito.Mockito.withSettings;

import dev.haven.workflows.activities.StoreActivities;
import dev.haven.workflows.activities.StoreActivities.Ack;
import dev.haven.workflows.model.TaskQueues;
import dev.haven.workflows.plans.PlanActivities.FailoverStarted;
import dev.haven.workflows.plans.PlanActivities.JobEnded;
import dev.haven.workflows.plans.PlanActivities.MemberTarget;
import dev.haven.workflows.plans.PlanActivities.MembersResolved;
import dev.haven.workflows.plans.PlanActivities.Recorded;
import dev.haven.workflows.plans.PlanActivities.ResolveInput;
import dev.haven.workflows.plans.PlanActivities.StartFailoverInput;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Temporal test environment with the plan workflows and Mockito-mocked plan and store
 * activities: every VM is protected, every failover starts and its job succeeds once the test opens
 * {@link #gate}; the number of jobs followed at once is counted.
 */
final class PlanHarness implements AutoCloseable {
  final TestWorkflowEnvironment env;
  final WorkflowClient client;
  final PlanActivities plans = mock(PlanActivities.class, withSettings().withoutAnnotations());
  final StoreActivities store = mock(StoreActivities.class, withSettings().withoutAnnotations());
  final AtomicInteger following = new AtomicInteger();
  final AtomicInteger mostFollowed = new AtomicInteger();
  final List<String> started = java.util.Collections.synchronizedList(new ArrayList<>());
  final List<PlanActivities.StartCleanupInput> cleanups =
      java.util.Collections.synchronizedList(new ArrayList<>());

  /** Jobs followed end only once the test opens this gate. */
  final java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);

  PlanHarness() {
    when(plans.resolveMembers(any()))
        .thenAnswer(
            inv -> {
              ResolveInput in = inv.getArgument(0);
              return new MembersResolved(
                  in.vmIds().stream().map(vm -> new MemberTarget(vm, "item-" + vm, null)).toList());
            });
    when(plans.resolveTestFailovers(any()))
        .thenAnswer(
            inv -> {
              ResolveInput in = inv.getArgument(0);
              return new MembersResolved(
                  in.vmIds().stream().map(vm -> new MemberTarget(vm, "item-" + vm, null)).toList());
            });
    when(plans.startTestCleanup(any()))
        .thenAnswer(
            inv -> {
              PlanActivities.StartCleanupInput in = inv.getArgument(0);
              started.add(in.itemId());
              cleanups.add(in);
              return new FailoverStarted(in.jobId(), 1_700_000_100_000L);
            });
    when(plans.startFailover(any()))
        .thenAnswer(
            inv -> {
              StartFailoverInput in = inv.getArgument(0);
              started.add(in.itemId());
              return new FailoverStarted(in.jobId(), 1_700_000_100_000L);
            });
    when(plans.awaitJob(any()))
        .thenAnswer(
            inv -> {
              int now = following.incrementAndGet();
              mostFollowed.accumulateAndGet(now, Math::max);
              gate.await(60, java.util.concurrent.TimeUnit.SECONDS);
              following.decrementAndGet();
              PlanActivities.AwaitJobInput in = inv.getArgument(0);
              return new JobEnded(
                  in.jobId(),
                  "succeeded",
                  null,
                  1_700_000_100_000L,
                  1_700_000_130_000L,
                  "rp-7",
                  1_700_000_040_000L);
            });
    when(plans.recordRun(any())).thenReturn(new Recorded(true));
    when(store.recordJobStep(any())).thenReturn(new Ack(true));
    when(store.recordJobState(any())).thenReturn(new Ack(true));
    env = TestWorkflowEnvironment.newInstance();
    Worker worker = env.newWorker(TaskQueues.HAVEN);
    worker.registerWorkflowImplementationTypes(
        RecoveryPlanWorkflowImpl.class, MemberFailoverWorkflowImpl.class);
    worker.registerActivitiesImplementations(plans, store);
    env.start();
    client = env.getWorkflowClient();
  }

  RecoveryPlanWorkflow stub(String runId) {
    return client.newWorkflowStub(
        RecoveryPlanWorkflow.class,
        WorkflowOptions.newBuilder()
            .setTaskQueue(TaskQueues.HAVEN)
            .setWorkflowId(RecoveryPlanWorkflow.workflowId(runId))
            .build());
  }

  static List<String> vms(String prefix, int count) {
    List<String> vms = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      vms.add(prefix + i);
    }
    return vms;
  }

  @Override
  public void close() {
    env.close();
  }
}
