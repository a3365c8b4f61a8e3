package dev.haven.workflows.plans;

import dev.haven.workflows.activities.StoreActivities.JobStateUpdate;
import dev.haven.workflows.activities.StoreActivities.JobStepUpdate;
import dev.haven.workflows.plans.PlanActivities.MemberTarget;
import dev.haven.workflows.plans.PlanActivities.ResolveInput;
import dev.haven.workflows.plans.PlanActivities.RunRecord;
import dev.haven.workflows.plans.PlanActivities.ScriptInput;
import dev.haven.workflows.plans.PlanActivities.ScriptRan;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;

/**
 * Runs the groups of a plan in order. A failed member or an action that fails under policy {@code
 * abort} stops the plan before anything after it starts; what did not run is reported {@code
 * skipped}. The report is projected into the store after every step and, while members fail over,
 * at most every {@link #PROJECT_EVERY_MILLIS}, so that a plan of many VMs keeps a small history.
 */
public class RecoveryPlanWorkflowImpl implements RecoveryPlanWorkflow {
  /** The shortest time between two projections of the report while members fail over. */
  static final long PROJECT_EVERY_MILLIS = 2_000;

  private static final Logger LOG = Workflow.getLogger(RecoveryPlanWorkflowImpl.class);

  private final PlanRunActivities activities = new PlanRunActivities();
  private final Set<String> released = new HashSet<>();
  private PlanRunInput input;
  private final List<GroupReport> groups = new ArrayList<>();
  private String state = "queued";
  private Long startedAt;
  private Long endedAt;
  private String error;
  private int warnings;
  private long lastProjection;

  @Override
  public PlanRunResult run(PlanRunInput in) {
    input = in;
    startedAt = Workflow.currentTimeMillis();
    for (PlanGroup g : in.plan().groups()) {
      groups.add(
          new GroupReport(
              g.name(),
              "pending",
              null,
              null,
              g.pre().stream().map(a -> ActionReport.pending(a, "pre")).toList(),
              g.vms().stream().map(MemberReport::pending).toList(),
              g.post().stream().map(a -> ActionReport.pending(a, "post")).toList()));
    }
    moveTo("running");
    try {
      Map<String, MemberTarget> targets = new HashMap<>();
      List<String> vms = new ArrayList<>();
      in.plan().groups().forEach(g -> vms.addAll(g.vms()));
      activities
          .plans
          .resolveMembers(new ResolveInput(in.direction(), vms))
          .members()
          .forEach(t -> targets.put(t.vmId(), t));
      for (int i = 0; i < groups.size(); i++) {
        runGroup(i, targets);
      }
      finish("succeeded", null);
    } catch (PlanStopped | CanceledFailure | ActivityFailure e) {
      if (cancelRequested()) {
        // The projections must still run: a detached scope is not cancelled with the workflow.
        Workflow.newDetachedCancellationScope(() -> finish("cancelled", "cancelled by an operator"))
            .run();
      } else if (e instanceof CanceledFailure) {
        throw e;
      } else {
        finish("failed", e instanceof PlanStopped ? e.getMessage() : PlanErrors.reason(e));
      }
    }
    return new PlanRunResult(in.runId(), state, report());
  }

  @Override
  public void resume(ResumeRequest request) {
    released.add(request.stepId());
  }

  @Override
  public PlanRunReport report() {
    PlanSpec plan = input == null ? null : input.plan();
    return new PlanRunReport(
        input == null ? null : input.runId(),
        plan == null ? null : plan.planId(),
        plan == null ? null : plan.name(),
        input == null ? null : input.jobId(),
        input == null ? null : input.type(),
        input == null ? null : input.direction(),
        input == null ? null : input.recoveryPoint(),
        state,
        startedAt,
        endedAt,
        error,
        warnings,
        List.copyOf(groups));
  }

  private void runGroup(int index, Map<String, MemberTarget> targets) {
    PlanGroup group = input.plan().groups().get(index);
    String step = "group-" + (index + 1) + "-" + group.name();
    recordStep(step, "running", null);
    setGroup(index, "running");
    try {
      for (int a = 0; a < group.pre().size(); a++) {
        runAction(index, true, a);
      }
      failOver(index, targets);
      for (int a = 0; a < group.post().size(); a++) {
        runAction(index, false, a);
      }
    } catch (PlanStopped stopped) {
      setGroup(index, "failed");
      recordStep(step, "failed", stopped.getMessage());
      throw stopped;
    }
    setGroup(index, "succeeded");
    recordStep(step, "succeeded", null);
  }

  private void runAction(int groupIndex, boolean pre, int actionIndex) {
    PlanGroup group = input.plan().groups().get(groupIndex);
    PlanAction action = (pre ? group.pre() : group.post()).get(actionIndex);
    String where =
        (pre ? "pre" : "post") + " action '" + action.id() + "' of group '" + group.name() + "'";
    if (PlanAction.MANUAL.equals(action.kind())) {
      setAction(groupIndex, pre, actionIndex, r -> r.started("waiting", now()));
      moveTo("waiting");
      Workflow.await(() -> released.contains(action.id()));
      setAction(
          groupIndex, pre, actionIndex, r -> r.ended("succeeded", null, null, false, now(), null));
      moveTo("running");
      return;
    }
    setAction(groupIndex, pre, actionIndex, r -> r.started("running", now()));
    project();
    String failure;
    ScriptRan ran = null;
    try {
      ran =
          PlanRunActivities.scripts(action.timeoutSeconds())
              .runScript(
                  new ScriptInput(
                      action.agentAddress(),
                      action.script(),
                      action.args(),
                      action.timeoutSeconds()));
      failure =
          ran.timedOut()
              ? "script " + action.script() + " was killed after " + action.timeoutSeconds() + " s"
              : ran.exitCode() != 0
                  ? "script " + action.script() + " exited with " + ran.exitCode()
                  : null;
    } catch (ActivityFailure e) {
      if (e.getCause() instanceof CanceledFailure) {
        throw e;
      }
      failure = "script " + action.script() + " did not run: " + PlanErrors.reason(e);
    }
    Integer exit = ran == null ? null : ran.exitCode();
    String output = ran == null ? null : ran.output();
    boolean truncated = ran != null && ran.outputTruncated();
    String result = failure == null ? "succeeded" : action.aborts() ? "failed" : "warned";
    String reason = failure;
    setAction(
        groupIndex, pre, actionIndex, r -> r.ended(result, exit, output, truncated, now(), reason));
    if (failure != null && action.aborts()) {
      throw new PlanStopped(where + " failed: " + failure);
    }
    if (failure != null) {
      warnings++;
      LOG.warn("{} failed, the plan goes on (policy warn): {}", where, failure);
    }
    project();
  }

  /** Fails the group's members over, at most {@link #MAX_PARALLEL} child workflows at once. */
  private void failOver(int groupIndex, Map<String, MemberTarget> targets) {
    PlanGroup group = input.plan().groups().get(groupIndex);
    Map<Integer, Promise<MemberReport>> inFlight = new LinkedHashMap<>();
    for (int m = 0; m < group.vms().size(); m++) {
      String vm = group.vms().get(m);
      MemberTarget target = targets.get(vm);
      if (target == null || target.itemId() == null) {
        String why = target == null ? "the VM is not protected" : target.skipReason();
        setMember(groupIndex, m, r -> r.with("skipped", null, null, why));
        continue;
      }
      while (inFlight.size() >= MAX_PARALLEL) {
        collect(groupIndex, inFlight);
      }
      String jobId = "job-" + Workflow.randomUUID().toString().replace("-", "").substring(0, 20);
      setMember(groupIndex, m, r -> r.with("running", target.itemId(), jobId, null));
      MemberFailoverWorkflow child =
          Workflow.newChildWorkflowStub(
              MemberFailoverWorkflow.class,
              ChildWorkflowOptions.newBuilder()
                  .setWorkflowId(MemberFailoverWorkflow.workflowId(input.runId(), vm))
                  .build());
      inFlight.put(
          m,
          Async.function(
              child::run,
              new MemberFailoverInput(
                  input.runId(), vm, target.itemId(), jobId, input.type(), input.recoveryPoint())));
    }
    project();
    while (!inFlight.isEmpty()) {
      collect(groupIndex, inFlight);
    }
    List<String> failed = new ArrayList<>();
    for (MemberReport member : groups.get(groupIndex).members()) {
      if (member.state().equals("failed") || member.state().equals("cancelled")) {
        failed.add(member.vmId() + ": " + member.error());
      }
    }
    if (!failed.isEmpty()) {
      throw new PlanStopped(
          failed.size()
              + " VM(s) of group '"
              + group.name()
              + "' did not fail over: "
              + String.join("; ", failed));
    }
  }

  /** Waits until at least one member ends and reports every member that has. */
  private void collect(int groupIndex, Map<Integer, Promise<MemberReport>> inFlight) {
    Workflow.await(() -> inFlight.values().stream().anyMatch(Promise::isCompleted));
    List<Integer> done = new ArrayList<>();
    inFlight.forEach(
        (m, promise) -> {
          if (promise.isCompleted()) {
            done.add(m);
          }
        });
    for (int m : done) {
      Promise<MemberReport> promise = inFlight.remove(m);
      RuntimeException failure = promise.getFailure();
      if (failure == null) {
        MemberReport outcome = promise.get();
        setMember(groupIndex, m, r -> outcome);
      } else {
        setMember(
            groupIndex,
            m,
            r -> r.with("failed", r.itemId(), r.jobId(), PlanErrors.reason(failure)));
      }
    }
    if (now() - lastProjection >= PROJECT_EVERY_MILLIS) {
      project();
    }
  }

  private void finish(String end, String why) {
    endedAt = now();
    error = why;
    String left = end.equals("cancelled") ? "cancelled" : "skipped";
    for (int g = 0; g < groups.size(); g++) {
      GroupReport group = groups.get(g);
      if (group.state().equals("running")) {
        // A group cut short by a cancel: its job step ends with it.
        String step = "group-" + (g + 1) + "-" + group.name();
        recordStep(step, end.equals("cancelled") ? "cancelled" : "failed", why);
      }
      groups.set(
          g,
          new GroupReport(
              group.name(),
              unfinished(group.state()) ? left : group.state(),
              group.startedAt(),
              unfinished(group.state()) && group.startedAt() != null ? endedAt : group.endedAt(),
              group.pre().stream().map(a -> close(a, left)).toList(),
              group.members().stream().map(r -> unfinished(r.state()) ? left(r, left) : r).toList(),
              group.post().stream().map(a -> close(a, left)).toList()));
    }
    moveTo(end);
  }

  /**
   * A member the run did not see to its end. One whose failover had started keeps going: the item's
   * saga is not cut short, and the report says where to follow it.
   */
  private static MemberReport left(MemberReport member, String left) {
    String why =
        member.state().equals("running")
            ? "the run ended while this failover ran; job "
                + member.jobId()
                + " finishes on its own"
            : member.error();
    return member.with(left, member.itemId(), member.jobId(), why);
  }

  private ActionReport close(ActionReport action, String left) {
    return unfinished(action.state())
        ? action.ended(
            left, action.exitCode(), action.output(), action.outputTruncated(), endedAt, null)
        : action;
  }

  private static boolean unfinished(String state) {
    return state.equals("pending") || state.equals("running") || state.equals("waiting");
  }

  /** The run's (and its job's) state changed: both are projected. */
  private void moveTo(String next) {
    state = next;
    activities.store.recordJobState(new JobStateUpdate(input.jobId(), next, now(), error));
    project();
  }

  private void project() {
    lastProjection = now();
    boolean ended =
        state.equals("succeeded") || state.equals("failed") || state.equals("cancelled");
    activities.plans.recordRun(
        new RunRecord(input.runId(), state, ended ? endedAt : null, report()));
  }

  private void recordStep(String step, String stepState, String stepError) {
    activities.store.recordJobStep(
        new JobStepUpdate(input.jobId(), step, stepState, now(), stepError));
  }

  private void setGroup(int index, String groupState) {
    GroupReport g = groups.get(index);
    boolean starting = groupState.equals("running");
    groups.set(
        index,
        new GroupReport(
            g.name(),
            groupState,
            starting ? Long.valueOf(now()) : g.startedAt(),
            starting ? null : Long.valueOf(now()),
            g.pre(),
            g.members(),
            g.post()));
  }

  private void setAction(
      int groupIndex,
      boolean pre,
      int actionIndex,
      java.util.function.UnaryOperator<ActionReport> change) {
    GroupReport g = groups.get(groupIndex);
    List<ActionReport> actions = new ArrayList<>(pre ? g.pre() : g.post());
    actions.set(actionIndex, change.apply(actions.get(actionIndex)));
    groups.set(
        groupIndex,
        new GroupReport(
            g.name(),
            g.state(),
            g.startedAt(),
            g.endedAt(),
            pre ? List.copyOf(actions) : g.pre(),
            g.members(),
            pre ? g.post() : List.copyOf(actions)));
  }

  private void setMember(
      int groupIndex, int memberIndex, java.util.function.UnaryOperator<MemberReport> change) {
    GroupReport g = groups.get(groupIndex);
    List<MemberReport> members = new ArrayList<>(g.members());
    members.set(memberIndex, change.apply(members.get(memberIndex)));
    groups.set(
        groupIndex,
        new GroupReport(
            g.name(),
            g.state(),
            g.startedAt(),
            g.endedAt(),
            g.pre(),
            List.copyOf(members),
            g.post()));
  }

  private static long now() {
    return Workflow.currentTimeMillis();
  }

  /** The plan stops: an action under policy abort failed, or a member did not fail over. */
  static final class PlanStopped extends RuntimeException {
    PlanStopped(String message) {
      super(message);
    }
  }

  /** Whether the workflow's own scope was cancelled (a cancel request of the run). */
  static boolean cancelRequested() {
    return CancellationScope.current().isCancelRequested();
  }
}
