package dev.haven.workflows.plans;

import io.temporal.activity.ActivityInterface;
import java.util.List;

/**
 * What a recovery plan run needs outside its workflow (R18): which protected item each VM is, the
 * item's failover started through its workflow's Update, the failover job followed to its end,
 * scripts run by host agents, and the run's report projected into the store.
 */
@ActivityInterface
public interface PlanActivities {

  /** The VMs of a plan and the direction a run goes. */
  record ResolveInput(String direction, List<String> vmIds) {}

  /**
   * A VM's protected item for the direction, or why there is none ({@code skipReason}): the VM is
   * not protected, or its item is active at the other site.
   */
  record MemberTarget(String vmId, String itemId, String skipReason) {}

  record MembersResolved(List<MemberTarget> members) {}

  MembersResolved resolveMembers(ResolveInput input);

  /**
   * As {@link #resolveMembers}, for a clean-up run (R27): a VM whose item runs no test failover has
   * no target, and its {@code skipReason} says so.
   */
  MembersResolved resolveTestFailovers(ResolveInput input);

  /**
   * Start item {@code itemId}'s failover under job {@code jobId}: the activity creates the job row
   * if it is missing and sends the workflow's {@code failover} Update. A retry after the Update
   * went through finds the job moving and answers as the first call did.
   */
  record StartFailoverInput(
      String runId, String itemId, String jobId, String type, String recoveryPoint) {}

  record FailoverStarted(String jobId, long startedAtMillis) {}

  FailoverStarted startFailover(StartFailoverInput input);

  /**
   * Start the clean-up of item {@code itemId}'s test failover under job {@code jobId}, keeping the
   * operator's {@code verdict} and {@code notes} in the drill's report: the activity creates the
   * job row if it is missing and sends the workflow's {@code testFailoverCleanup} Update. A retry
   * after the Update went through finds the job moving and answers as the first call did.
   */
  record StartCleanupInput(
      String runId, String itemId, String jobId, String verdict, String notes) {}

  FailoverStarted startTestCleanup(StartCleanupInput input);

  /** Follow job {@code jobId} of item {@code itemId} until it ends. */
  record AwaitJobInput(String itemId, String jobId) {}

  /**
   * How the job ended ({@code succeeded}, {@code failed}, {@code cancelled}), its times, and the
   * recovery point the item stands on afterwards.
   */
  record JobEnded(
      String jobId,
      String state,
      String error,
      Long startedAtMillis,
      Long endedAtMillis,
      String recoveryPoint,
      Long recoveryPointAtMillis) {}

  /** Polls the job in the store every second and heartbeats, until the job is in an end state. */
  JobEnded awaitJob(AwaitJobInput input);

  /** Run {@code script} from the scripts folder of the agent at {@code agentAddress}. */
  record ScriptInput(String agentAddress, String script, List<String> args, int timeoutSeconds) {}

  record ScriptRan(
      int exitCode,
      String output,
      boolean outputTruncated,
      boolean timedOut,
      long durationMillis) {}

  ScriptRan runScript(ScriptInput input);

  /** The run's state and report, projected after every change. */
  record RunRecord(String runId, String state, Long endedAtMillis, PlanRunReport report) {}

  record Recorded(boolean written) {}

  Recorded recordRun(RunRecord record);
}
