package dev.haven.workflows.protection;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.mockingDetails;
import static org.mockito.Mockito.when;
import static org.mockito.Mockito.withSettings;

import dev.haven.workflows.activities.AgentActivities;
import dev.haven.workflows.activities.AgentActivities.CopyDiskInput;
import dev.haven.workflows.activities.AgentActivities.CycleResult;
import dev.haven.workflows.activities.AgentActivities.DiskCopied;
import dev.haven.workflows.activities.AgentActivities.DiskHashes;
import dev.haven.workflows.activities.AgentActivities.DiskPair;
import dev.haven.workflows.activities.AgentActivities.HashDisksInput;
import dev.haven.workflows.activities.AgentActivities.PowerInput;
import dev.haven.workflows.activities.AgentActivities.PowerResult;
import dev.haven.workflows.activities.AgentActivities.ReplicaPrepared;
import dev.haven.workflows.activities.AgentActivities.ReplicationStarted;
import dev.haven.workflows.activities.AgentActivities.StopInput;
import dev.haven.workflows.activities.AgentActivities.Stopped;
import dev.haven.workflows.activities.FenceActivities;
import dev.haven.workflows.activities.StoreActivities;
import dev.haven.workflows.activities.StoreActivities.Ack;
import dev.haven.workflows.model.HostRef;
import dev.haven.workflows.model.ItemState;
import dev.haven.workflows.model.TaskQueues;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A time-skipping Temporal test environment with Mockito-mocked agent and store activities that
 * answer like two healthy agents: a VM with two disks, a replica, and a delta cycle that seals
 * sequence 1, 2, 3, … and sees it applied at once.
 */
final class ProtectionHarness implements AutoCloseable {
  static final String ITEM = "item-1";
  static final String VM = "vm-1";
  static final String REPLICA = "replica-1";
  static final String ENABLE_JOB = "job-enable";
  static final HostRef SOURCE = new HostRef("host-a", "primary", "10.0.0.1:7443");
  static final HostRef TARGET = new HostRef("host-b", "secondary", "10.0.0.2:7443");
  static final int COPY_FREQUENCY_SECONDS = 60;
  static final List<DiskPair> DISKS =
      List.of(new DiskPair("d1", "r1", 1L << 30), new DiskPair("d2", "r2", 2L << 30));

  final TestWorkflowEnvironment env;
  final WorkflowClient client;
  final AgentActivities agent = mock(AgentActivities.class, withSettings().withoutAnnotations());
  final StoreActivities store = mock(StoreActivities.class, withSettings().withoutAnnotations());
  final FenceActivities fence = mock(FenceActivities.class, withSettings().withoutAnnotations());
  final AtomicLong seq = new AtomicLong();

  /** The first run of the item's workflow, as {@link #start} started it. */
  WorkflowExecution firstRun;

  ProtectionHarness() {
    this(ProtectedItemWorkflowImpl.class);
  }

  ProtectionHarness(Class<? extends ProtectedItemWorkflowImpl> workflowType) {
    answerLikeHealthyAgents();
    env = TestWorkflowEnvironment.newInstance();
    Worker worker = env.newWorker(TaskQueues.HAVEN);
    worker.registerWorkflowImplementationTypes(workflowType, OldSourceFenceImpl.class);
    worker.registerActivitiesImplementations(agent, store, fence);
    env.start();
    client = env.getWorkflowClient();
    startFencesForReal();
  }

  /** A harness whose test server's clock starts at {@code initialTime} (e.g. a weekday 09:59). */
  ProtectionHarness(java.time.Instant initialTime) {
    answerLikeHealthyAgents();
    env =
        TestWorkflowEnvironment.newInstance(
            io.temporal.testing.TestEnvironmentOptions.newBuilder()
                .setInitialTime(initialTime)
                .build());
    Worker worker = env.newWorker(TaskQueues.HAVEN);
    worker.registerWorkflowImplementationTypes(
        ProtectedItemWorkflowImpl.class, OldSourceFenceImpl.class);
    worker.registerActivitiesImplementations(agent, store, fence);
    env.start();
    client = env.getWorkflowClient();
    startFencesForReal();
  }

  /** The fence activity starts the fence workflow on this test server, as the worker's does. */
  private void startFencesForReal() {
    when(fence.startOldSourceFence(any()))
        .thenAnswer(
            call -> {
              OldSourceFence.Input in = call.getArgument(0);
              String id = OldSourceFence.workflowId(in.itemId());
              WorkflowClient.start(
                  client.newWorkflowStub(
                          OldSourceFence.class,
                          WorkflowOptions.newBuilder()
                              .setTaskQueue(TaskQueues.HAVEN)
                              .setWorkflowId(id)
                              .build())
                      ::fence,
                  in);
              return new FenceActivities.FenceStarted(id, false);
            });
  }

  static ProtectionInput freshInput() {
    return new ProtectionInput(
        ITEM,
        VM,
        ENABLE_JOB,
        SOURCE,
        TARGET,
        COPY_FREQUENCY_SECONDS,
        Map.of("lan", "dr-lan"),
        false,
        null);
  }

  static ProtectionInput resumeInput(ItemState state, long lastAppliedSeq) {
    return new ProtectionInput(
        ITEM,
        VM,
        null,
        SOURCE,
        TARGET,
        COPY_FREQUENCY_SECONDS,
        Map.of("lan", "dr-lan"),
        true,
        new ProtectionCarryOver(state, REPLICA, lastAppliedSeq, 1_000L));
  }

  /** Starts the item's workflow and returns a stub bound to its id (any run). */
  ProtectedItemWorkflow start(ProtectionInput input) {
    ProtectedItemWorkflow starter =
        client.newWorkflowStub(
            ProtectedItemWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(TaskQueues.HAVEN)
                .setWorkflowId(ProtectedItemWorkflow.workflowId(ITEM))
                .build());
    firstRun = WorkflowClient.start(starter::run, input);
    return workflow();
  }

  ProtectedItemWorkflow workflow() {
    return client.newWorkflowStub(
        ProtectedItemWorkflow.class, ProtectedItemWorkflow.workflowId(ITEM));
  }

  /** Waits, in real time, until the status Query shows {@code state}. */
  ItemStatus awaitState(ProtectedItemWorkflow wf, ItemState state) {
    return awaitStatus(wf, s -> s.state() == state, "state " + state);
  }

  ItemStatus awaitStatus(
      ProtectedItemWorkflow wf, java.util.function.Predicate<ItemStatus> done, String what) {
    ItemStatus last = null;
    for (int i = 0; i < 200; i++) {
      last = wf.status();
      if (done.test(last)) {
        return last;
      }
      sleepRealMillis(50);
    }
    throw new AssertionError("the item never reached " + what + "; last status " + last);
  }

  /** Waits, in real time, until {@code condition} holds (e.g. a store write has arrived). */
  static void awaitTrue(Supplier<Boolean> condition, String what) {
    for (int i = 0; i < 200; i++) {
      if (condition.get()) {
        return;
      }
      sleepRealMillis(50);
    }
    throw new AssertionError("timed out waiting for " + what);
  }

  /** The first argument of every call of {@code method} on {@code mock}, in call order. */
  static <T> List<T> calls(Object mock, String method, Class<T> type) {
    return mockingDetails(mock).getInvocations().stream()
        .filter(i -> i.getMethod().getName().equals(method))
        .map(i -> type.cast(i.getArgument(0)))
        .toList();
  }

  List<String> stepsOf(String jobId) {
    return calls(store, "recordJobStep", StoreActivities.JobStepUpdate.class).stream()
        .filter(u -> u.jobId().equals(jobId))
        .map(u -> u.step() + ":" + u.state())
        .toList();
  }

  List<StoreActivities.JobStateUpdate> jobStates(String jobId) {
    return calls(store, "recordJobState", StoreActivities.JobStateUpdate.class).stream()
        .filter(u -> u.jobId().equals(jobId))
        .toList();
  }

  /** Every status the workflow wrote, alone or with a delta cycle's point, in call order. */
  List<StoreActivities.ItemUpdate> items() {
    return mockingDetails(store).getInvocations().stream()
        .map(
            i ->
                switch (i.getMethod().getName()) {
                  case "recordItem" -> (StoreActivities.ItemUpdate) i.getArgument(0);
                  case "recordCycle" -> ((StoreActivities.CycleRecord) i.getArgument(0)).item();
                  default -> null;
                })
        .filter(java.util.Objects::nonNull)
        .toList();
  }

  /** Every recovery point the workflow wrote, alone or with a delta cycle's status, in order. */
  List<StoreActivities.RecoveryPointRecord> points() {
    return mockingDetails(store).getInvocations().stream()
        .map(
            i ->
                switch (i.getMethod().getName()) {
                  case "recordRecoveryPoint" ->
                      (StoreActivities.RecoveryPointRecord) i.getArgument(0);
                  case "recordCycle" -> ((StoreActivities.CycleRecord) i.getArgument(0)).point();
                  default -> null;
                })
        .filter(java.util.Objects::nonNull)
        .toList();
  }

  long cycles() {
    return calls(agent, "replicateCycle", Object.class).size();
  }

  private void answerLikeHealthyAgents() {
    when(agent.prepareReplica(any())).thenReturn(new ReplicaPrepared(REPLICA, DISKS));
    when(agent.startReplication(any())).thenReturn(new ReplicationStarted(0));
    when(agent.copyDisk(any()))
        .thenAnswer(
            inv -> {
              CopyDiskInput in = inv.getArgument(0);
              return new DiskCopied(in.diskId(), 256, 64L << 20, 10);
            });
    when(agent.replicateCycle(any())).thenAnswer(inv -> cycleResult(seq.incrementAndGet()));
    when(agent.setPower(any()))
        .thenAnswer(
            inv -> {
              PowerInput in = inv.getArgument(0);
              return new PowerResult(in.vmId(), in.on() ? "on" : "off");
            });
    when(agent.hashDisks(any()))
        .thenAnswer(inv -> hashes(((HashDisksInput) inv.getArgument(0)), "aa", "bb"));
    when(agent.stopReplication(any()))
        .thenAnswer(inv -> new Stopped(((StopInput) inv.getArgument(0)).itemId()));
    when(agent.deleteVm(any()))
        .thenAnswer(
            inv ->
                new AgentActivities.VmDeleted(
                    ((AgentActivities.DeleteVmInput) inv.getArgument(0)).vmId()));
    when(agent.resyncStatus(any()))
        .thenReturn(new AgentActivities.ResyncStatus(false, "", 0, 3L << 30, List.of("d1", "d2")));
    when(store.recordItem(any())).thenReturn(new Ack(true));
    when(store.recordRecoveryPoint(any())).thenReturn(new Ack(true));
    when(store.recordCycle(any())).thenReturn(new Ack(true));
    when(store.recordJobStep(any())).thenReturn(new Ack(true));
    when(store.recordJobState(any())).thenReturn(new Ack(true));
  }

  static CycleResult cycleResult(long seq) {
    return new CycleResult(seq, seq, 4096, 1_700_000_000_000L + seq * 60_000, 0);
  }

  static DiskHashes hashes(HashDisksInput in, String first, String second) {
    boolean replica = in.vmId().equals(REPLICA);
    return new DiskHashes(
        List.of(first, second), replica ? List.of("r1", "r2") : List.of("d1", "d2"));
  }

  static void sleepRealMillis(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Advances the test server's clock; the workflow's timers fire on the way. */
  void skip(Duration duration) {
    env.sleep(duration);
  }

  @Override
  public void close() {
    env.close();
  }
}
