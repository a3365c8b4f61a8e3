package dev.haven.workflows.plans;

import dev.haven.workflows.plans.PlanActivities.MemberTarget;
import dev.haven.workflows.plans.PlanActivities.ResolveInput;
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
 * skipped}. The report is kept and projected into the store by {@link PlanRunProjection}, after
 * every step and, while members fail over, at most every {@link
 * PlanRunProjection#PROJECT_EVERY_MILLIS}, so that a plan of many VMs keeps a small history.
 *
 * <p>A clean-up run ({@link PlanRunInput#TEST_CLEANUP}) runs the groups in reverse order, without
 * their actions, which belong to a failover: each member's test failover is cleaned up instead.
 */
public class RecoveryPlanWorkflowImpl implements RecoveryPlanWorkflow {

  private static final Logger LOG = Workflow.getLogger(RecoveryPlanWorkflowImpl.class);

  private final PlanRunActivities activities = new PlanRunActivities();
  private final Set<String> released = new HashSet<>();
  private PlanRunInput input;
  private PlanRunProjection run;

  @Override
  public PlanRunResult run(PlanRunInput in) {
    input = in;
    List<GroupReport> groups = new ArrayList<>();
    for (PlanGroup g : in.plan().groups()) {
      groups.add(
          new GroupReport(
              g.name(),
              "pending",
              null,
              null,
              in.cleansUp()
                  ? List.of()
                  : g.pre().stream().map(a -> ActionReport.pending(a, "pre")).toList(),
              g.vms().stream().map(MemberReport::pending).toList(),
              in.cleansUp()
                  ? List.of()
                  : g.post().stream().map(a -> ActionReport.pending(a, "post")).toList()));
    }
    run = new PlanRunProjection(activities, in, groups);
    run.moveTo("running");
    try {
      Map<String, MemberTarget> targets = new HashMap<>();
      List<String> vms = new ArrayList<>();
      in.plan().groups().forEach(g -> vms.addAll(g.vms()));
      ResolveInput resolve = new ResolveInput(in.direction(), vms);
      (in.cleansUp()
              ? activities.plans.resolveTestFailovers(resolve)
              : activities.plans.resolveMembers(resolve))
          .members()
          .forEach(t -> targets.put(t.vmId(), t));
      if (in.cleansUp()) {
        for (int i = run.groupCount() - 1; i >= 0; i--) {
          runGroup(i, targets);
        }
      } else {
        for (int i = 0; i < run.groupCount(); i++) {
          runGroup(i, targets);
        }
      }
      run.finish("succeeded", null);
    } catch (PlanStopped | CanceledFailure | ActivityFailure e) {
      if (cancelRequested()) {
        // The projections must still run: a detached scope is not cancelled with the workflow.
        Workflow.newDetachedCancellationScope(
                () -> run.finish("cancelled", "cancelled by an operator"))
            .run();
      } else if (e instanceof CanceledFailure) {
        throw e;
      } else {
        run.finish("failed", e instanceof PlanStopped ? e.getMessage() : PlanErrors.reason(e));
      }
    }
    return new PlanRunResult(in.runId(), run.state(), run.report());
  }

  @Override
  public void resume(ResumeRequest request) {
    released.add(request.stepId());
  }

  @Override
  public PlanRunReport report() {
    return run == null ? PlanRunProjection.empty() : run.report();
  }

  private void runGroup(int index, Map<String, MemberTarget> targets) {
    PlanGroup group = input.plan().groups().get(index);
    String step = run.step(index);
    run.recordStep(step, "running", null);
    run.setGroup(index, "running");
    try {
      int pre = input.cleansUp() ? 0 : group.pre().size();
      for (int a = 0; a < pre; a++) {
        runAction(index, true, a);
      }
      failOver(index, targets);
      int post = input.cleansUp() ? 0 : group.post().size();
      for (int a = 0; a < post; a++) {
        runAction(index, false, a);
      }
    } catch (PlanStopped stopped) {
      run.setGroup(index, "failed");
      run.recordStep(step, "failed", stopped.getMessage());
      throw stopped;
    }
    run.setGroup(index, "succeeded");
    run.recordStep(step, "succeeded", null);
  }

  private void runAction(int groupIndex, boolean pre, int actionIndex) {
    PlanGroup group = input.plan().groups().get(groupIndex);
    PlanAction action = (pre ? group.pre() : group.post()).get(actionIndex);
    String where =
        (pre ? "pre" : "post") + " action '" + action.id() + "' of group '" + group.name() + "'";
    if (PlanAction.MANUAL.equals(action.kind())) {
      run.setAction(groupIndex, pre, actionIndex, r -> r.started("waiting", now()));
      run.moveTo("waiting");
      Workflow.await(() -> released.contains(action.id()));
      run.setAction(
          groupIndex, pre, actionIndex, r -> r.ended("succeeded", null, null, false, now(), null));
      run.moveTo("running");
      return;
    }
    run.setAction(groupIndex, pre, actionIndex, r -> r.started("running", now()));
    run.project();
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
    run.setAction(
        groupIndex, pre, actionIndex, r -> r.ended(result, exit, output, truncated, now(), reason));
    if (failure != null && action.aborts()) {
      throw new PlanStopped(where + " failed: " + failure);
    }
    if (failure != null) {
      run.warned();
      LOG.warn("{} failed, the plan goes on (policy warn): {}", where, failure);
    }
    run.project();
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
        run.setMember(groupIndex, m, r -> r.with("skipped", null, null, why));
        continue;
      }
      while (inFlight.size() >= MAX_PARALLEL) {
        collect(groupIndex, inFlight);
      }
      String jobId = "job-" + Workflow.randomUUID().toString().replace("-", "").substring(0, 20);
      run.setMember(groupIndex, m, r -> r.with("running", target.itemId(), jobId, null));
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
                  input.runId(),
                  vm,
                  target.itemId(),
                  jobId,
                  input.type(),
                  input.recoveryPoint(),
                  input.verdict(),
                  input.notes())));
    }
    run.project();
    while (!inFlight.isEmpty()) {
      collect(groupIndex, inFlight);
    }
    List<String> failed = new ArrayList<>();
    for (MemberReport member : run.group(groupIndex).members()) {
      if (member.state().equals("failed") || member.state().equals("cancelled")) {
        failed.add(member.vmId() + ": " + member.error());
      }
    }
    if (!failed.isEmpty()) {
      throw new PlanStopped(
          failed.size()
              + " VM(s) of group '"
              + group.name()
              + (input.cleansUp() ? "' were not cleaned up: " : "' did not fail over: ")
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
        run.setMember(groupIndex, m, r -> outcome);
      } else {
        run.setMember(
            groupIndex,
            m,
            r -> r.with("failed", r.itemId(), r.jobId(), PlanErrors.reason(failure)));
      }
    }
    run.projectNowAndThen();
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
