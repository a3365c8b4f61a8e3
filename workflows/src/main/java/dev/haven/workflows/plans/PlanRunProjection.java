package dev.haven.workflows.plans;

import dev.haven.workflows.activities.StoreActivities.JobStateUpdate;
import dev.haven.workflows.activities.StoreActivities.JobStepUpdate;
import dev.haven.workflows.plans.PlanActivities.RunRecord;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A plan run's report as the run builds it, and its projection into the store: the run's row (its
 * report), its job's state and the job's steps, one per group. The workflow decides what happens;
 * this class only keeps account of it, so every store write of a run goes through here in the order
 * the workflow asks for it.
 */
final class PlanRunProjection {
  /** The shortest time between two projections of the report while members fail over. */
  static final long PROJECT_EVERY_MILLIS = 2_000;

  private final PlanRunActivities activities;
  private final PlanRunInput input;
  private final List<GroupReport> groups = new ArrayList<>();
  private String state = "queued";
  private Long startedAt;
  private Long endedAt;
  private String error;
  private int warnings;
  private long lastProjection;

  PlanRunProjection(PlanRunActivities activities, PlanRunInput input, List<GroupReport> groups) {
    this.activities = activities;
    this.input = input;
    this.groups.addAll(groups);
    this.startedAt = now();
  }

  /** The report before the run started: no input yet. */
  static PlanRunReport empty() {
    return new PlanRunReport(
        null, null, null, null, null, null, null, "queued", null, null, null, 0, List.of());
  }

  PlanRunReport report() {
    PlanSpec plan = input.plan();
    return new PlanRunReport(
        input.runId(),
        plan == null ? null : plan.planId(),
        plan == null ? null : plan.name(),
        input.jobId(),
        input.type(),
        input.direction(),
        input.recoveryPoint(),
        state,
        startedAt,
        endedAt,
        error,
        warnings,
        List.copyOf(groups));
  }

  String state() {
    return state;
  }

  GroupReport group(int index) {
    return groups.get(index);
  }

  int groupCount() {
    return groups.size();
  }

  void warned() {
    warnings++;
  }

  /** Projects the report at most every {@link #PROJECT_EVERY_MILLIS} while members fail over. */
  void projectNowAndThen() {
    if (now() - lastProjection >= PROJECT_EVERY_MILLIS) {
      project();
    }
  }

  /** The run's (and its job's) state changed: both are projected. */
  void moveTo(String next) {
    state = next;
    activities.store.recordJobState(new JobStateUpdate(input.jobId(), next, now(), error));
    project();
  }

  void project() {
    lastProjection = now();
    boolean ended =
        state.equals("succeeded") || state.equals("failed") || state.equals("cancelled");
    activities.plans.recordRun(
        new RunRecord(input.runId(), state, ended ? endedAt : null, report()));
  }

  void recordStep(String step, String stepState, String stepError) {
    activities.store.recordJobStep(
        new JobStepUpdate(input.jobId(), step, stepState, now(), stepError));
  }

  /** The job step of group {@code index}. */
  String step(int index) {
    return "group-" + (index + 1) + "-" + groups.get(index).name();
  }

  /**
   * The run ended {@code end} ({@code succeeded}, {@code failed} or {@code cancelled}) for {@code
   * why}: what did not run is closed as skipped (cancelled after a cancel), and the end projected.
   */
  void finish(String end, String why) {
    endedAt = now();
    error = why;
    String left = end.equals("cancelled") ? "cancelled" : "skipped";
    for (int g = 0; g < groups.size(); g++) {
      GroupReport group = groups.get(g);
      if (group.state().equals("running")) {
        // A group cut short by a cancel: its job step ends with it.
        recordStep(step(g), end.equals("cancelled") ? "cancelled" : "failed", why);
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

  void setGroup(int index, String groupState) {
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

  void setAction(int groupIndex, boolean pre, int actionIndex, UnaryOperator<ActionReport> change) {
    GroupReport g = groups.get(groupIndex);
    List<ActionReport> actions = new ArrayList<>(pre ? g.pre() : g.post());
    actions.set(actionIndex, change.apply(actions.get(actionIndex)));
    setParts(
        groupIndex,
        pre ? List.copyOf(actions) : g.pre(),
        g.members(),
        pre ? g.post() : List.copyOf(actions));
  }

  void setMember(int groupIndex, int memberIndex, UnaryOperator<MemberReport> change) {
    GroupReport g = groups.get(groupIndex);
    List<MemberReport> members = new ArrayList<>(g.members());
    members.set(memberIndex, change.apply(members.get(memberIndex)));
    setParts(groupIndex, g.pre(), List.copyOf(members), g.post());
  }

  /** Replaces a group's actions and members; its name, state and times stay. */
  private void setParts(
      int groupIndex, List<ActionReport> pre, List<MemberReport> members, List<ActionReport> post) {
    GroupReport g = groups.get(groupIndex);
    groups.set(
        groupIndex,
        new GroupReport(g.name(), g.state(), g.startedAt(), g.endedAt(), pre, members, post));
  }

  static long now() {
    return Workflow.currentTimeMillis();
  }
}
