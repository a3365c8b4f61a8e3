package dev.haven.api;

import dev.haven.workflows.model.Health;
import dev.haven.workflows.model.ItemState;
import dev.haven.workflows.protection.AfterFailoverRequest;
import dev.haven.workflows.protection.DrillReport;
import dev.haven.workflows.protection.FailoverRequest;
import dev.haven.workflows.protection.FailoverView;
import dev.haven.workflows.protection.ItemStatus;
import dev.haven.workflows.protection.LifecycleRequest;
import dev.haven.workflows.protection.PolicyApplied;
import dev.haven.workflows.protection.PolicySettings;
import dev.haven.workflows.protection.ProtectedItemWorkflow;
import dev.haven.workflows.protection.ProtectionInput;
import dev.haven.workflows.protection.ProtectionResult;
import dev.haven.workflows.protection.TestCleanupRequest;
import dev.haven.workflows.protection.UpdateAccepted;
import io.temporal.workflow.Workflow;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stand-in for the real entity workflow, so that API tests see what the API asks of Temporal: the
 * inputs it starts items with and the failovers it requests. Tests choose the state that the
 * failover validator sees through {@link #STATES}.
 */
public class FakeProtectedItemWorkflow implements ProtectedItemWorkflow {
  /** The input of every started item, by item id. */
  static final Map<String, ProtectionInput> STARTED = new ConcurrentHashMap<>();

  /** Every accepted failover request, by item id. */
  static final Map<String, List<FailoverRequest>> FAILOVERS = new ConcurrentHashMap<>();

  /** The state the validator sees, by item id; else the carried-over state or initial copy. */
  static final Map<String, ItemState> STATES = new ConcurrentHashMap<>();

  /** What the {@code failedOver} Query answers per item; absent means not failed over. */
  static final Map<String, FailoverView> FAILED_OVER = new ConcurrentHashMap<>();

  private ProtectionInput input;
  private boolean disabled;

  @Override
  public ProtectionResult run(ProtectionInput input) {
    this.input = input;
    STARTED.put(input.itemId(), input);
    // The fake runs until it is disabled or the test environment closes.
    Workflow.await(() -> disabled);
    return new ProtectionResult(input.itemId(), disabled ? ItemState.DISABLED : state());
  }

  @Override
  public UpdateAccepted failover(FailoverRequest request) {
    FAILOVERS.computeIfAbsent(input.itemId(), k -> new CopyOnWriteArrayList<>()).add(request);
    return new UpdateAccepted(request.jobId());
  }

  @Override
  public void validateFailover(FailoverRequest request) {
    ItemState state = state();
    if (state != ItemState.PROTECTED) {
      throw new IllegalStateException(
          "failover is not allowed while the item is in state "
              + state.apiName()
              + "; it is allowed in state protected (workflow)");
    }
  }

  /** Every policy update and lifecycle request, by item id, as "kind:detail". */
  static final Map<String, List<String>> OPERATIONS = new ConcurrentHashMap<>();

  private void record(String what) {
    OPERATIONS.computeIfAbsent(input.itemId(), k -> new CopyOnWriteArrayList<>()).add(what);
  }

  @Override
  public PolicyApplied updatePolicy(PolicySettings policy) {
    record("policy:" + policy.copyFrequencySeconds());
    return new PolicyApplied(input.itemId(), policy.copyFrequencySeconds());
  }

  @Override
  public void validateUpdatePolicy(PolicySettings policy) {}

  @Override
  public UpdateAccepted pause(LifecycleRequest request) {
    record("pause:" + request.jobId());
    return new UpdateAccepted(request.jobId());
  }

  @Override
  public void validatePause(LifecycleRequest request) {
    if (state() != ItemState.PROTECTED) {
      throw new IllegalStateException(
          "pause is not allowed while the item is in state " + state().apiName());
    }
  }

  @Override
  public UpdateAccepted resume(LifecycleRequest request) {
    record("resume:" + request.jobId());
    return new UpdateAccepted(request.jobId());
  }

  @Override
  public void validateResume(LifecycleRequest request) {}

  @Override
  public UpdateAccepted disable(LifecycleRequest request) {
    record("disable:" + request.deleteReplica());
    disabled = true;
    return new UpdateAccepted(request.jobId());
  }

  @Override
  public void validateDisable(LifecycleRequest request) {}

  @Override
  public UpdateAccepted resync(LifecycleRequest request) {
    record("resync:" + request.jobId());
    return new UpdateAccepted(request.jobId());
  }

  @Override
  public void validateResync(LifecycleRequest request) {
    ItemState st = state();
    if (st != ItemState.PROTECTED && st != ItemState.RESYNC_REQUIRED && st != ItemState.ERROR) {
      throw new IllegalStateException(
          "resync is not allowed while the item is in state " + st.apiName());
    }
  }

  @Override
  public ItemStatus status() {
    return new ItemStatus(
        input == null ? null : input.itemId(), state(), Health.NORMAL, null, 0, null, 0, null);
  }

  private ItemState state() {
    if (input == null) {
      return ItemState.ENABLING;
    }
    ItemState carried =
        input.carryOver() != null ? input.carryOver().state() : ItemState.INITIAL_REPLICATION;
    return STATES.getOrDefault(input.itemId(), carried);
  }

  // --- after a failover (R20, R24) ---

  @Override
  public FailoverView failedOver() {
    return input == null ? null : FAILED_OVER.get(input.itemId());
  }

  @Override
  public UpdateAccepted commit(AfterFailoverRequest request) {
    record("commit:" + request.jobId());
    return new UpdateAccepted(request.jobId());
  }

  @Override
  public void validateCommit(AfterFailoverRequest request) {
    requireFailedOver("commit");
  }

  @Override
  public UpdateAccepted cancel(AfterFailoverRequest request) {
    record("cancel:" + request.jobId());
    return new UpdateAccepted(request.jobId());
  }

  @Override
  public void validateCancel(AfterFailoverRequest request) {
    requireFailedOver("cancel");
  }

  @Override
  public UpdateAccepted changeRecoveryPoint(AfterFailoverRequest request) {
    record("change-recovery-point:" + request.recoveryPoint());
    return new UpdateAccepted(request.jobId());
  }

  @Override
  public void validateChangeRecoveryPoint(AfterFailoverRequest request) {
    requireFailedOver("change-recovery-point");
  }

  private void requireFailedOver(String kind) {
    if (state() != ItemState.FAILED_OVER) {
      throw new IllegalStateException(
          kind
              + " is not allowed while the item is in state "
              + state().apiName()
              + "; it is allowed in state failed-over (workflow)");
    }
  }

  // --- test failover (R27) ---

  @Override
  public UpdateAccepted testFailoverCleanup(TestCleanupRequest request) {
    record("test-failover-cleanup:" + request.verdict());
    return new UpdateAccepted(request.jobId());
  }

  @Override
  public void validateTestFailoverCleanup(TestCleanupRequest request) {
    if (state() != ItemState.TEST_FAILOVER) {
      throw new IllegalStateException(
          "test-failover-cleanup is not allowed while the item is in state "
              + state().apiName()
              + "; it is allowed in state test-failover (workflow)");
    }
  }

  @Override
  public List<DrillReport> drills() {
    return List.of(
        new DrillReport("job-t", "vm-t", "rp-4", 4, 1_000L, 60_000L, "passed", "ok", "job-c"));
  }
}
