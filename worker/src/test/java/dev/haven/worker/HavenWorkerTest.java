package dev.haven.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;
import static org.mockito.Mockito.withSettings;

import dev.haven.workflows.activities.AgentActivities;
import dev.haven.workflows.activities.AgentActivities.CycleResult;
import dev.haven.workflows.activities.AgentActivities.DiskCopied;
import dev.haven.workflows.activities.AgentActivities.DiskPair;
import dev.haven.workflows.activities.AgentActivities.ReplicaPrepared;
import dev.haven.workflows.activities.AgentActivities.ReplicationStarted;
import dev.haven.workflows.activities.StoreActivities;
import dev.haven.workflows.model.HostRef;
import dev.haven.workflows.model.ItemState;
import dev.haven.workflows.model.TaskQueues;
import dev.haven.workflows.protection.ProtectedItemWorkflow;
import dev.haven.workflows.protection.ProtectionInput;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.WorkerFactory;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The worker's wiring: the protection workflow and both activity sets answer on the queue. */
class HavenWorkerTest {

  @Test
  void runsTheProtectionWorkflowOnTheHavenQueue() throws Exception {
    AgentActivities agent = mock(AgentActivities.class, withSettings().withoutAnnotations());
    StoreActivities store = mock(StoreActivities.class, withSettings().withoutAnnotations());
    when(agent.prepareReplica(any()))
        .thenReturn(new ReplicaPrepared("replica-1", List.of(new DiskPair("d1", "r1", 1024))));
    when(agent.startReplication(any())).thenReturn(new ReplicationStarted(0));
    when(agent.copyDisk(any())).thenReturn(new DiskCopied("d1", 1, 1024, 0));
    when(agent.replicateCycle(any())).thenReturn(new CycleResult(1, 1, 0, 1_000, 0));

    try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
      WorkflowClient client = env.getWorkflowClient();
      WorkerFactory factory = HavenWorker.start(client, agent, store);
      try {
        ProtectedItemWorkflow wf =
            client.newWorkflowStub(
                ProtectedItemWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setTaskQueue(TaskQueues.HAVEN)
                    .setWorkflowId(ProtectedItemWorkflow.workflowId("item-1"))
                    .build());
        WorkflowClient.start(wf::run, input());

        ItemState state = null;
        for (int i = 0; i < 100 && state != ItemState.PROTECTED; i++) {
          state = wf.status().state();
          Thread.sleep(50);
        }
        assertThat(state).isEqualTo(ItemState.PROTECTED);
        WorkflowStub.fromTyped(wf).terminate("test over");
      } finally {
        factory.shutdown();
        factory.awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  private static ProtectionInput input() {
    return new ProtectionInput(
        "item-1",
        "vm-1",
        "job-1",
        new HostRef("a", "primary", "127.0.0.1:1"),
        new HostRef("b", "secondary", "127.0.0.1:2"),
        3600,
        Map.of(),
        false,
        null);
  }
}
