package dev.haven.api.json;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * The JSON of recovery plans (R18). A plan is ordered {@code groups}; each names its VMs by id and
 * its {@code pre} and {@code post} actions. An action is a {@code script} (a file of the named
 * host's scripts folder, never code) or a {@code manual} step, with a failure policy {@code abort}
 * (default) or {@code warn}.
 */
public final class PlanJson {
  private PlanJson() {}

  /** {@code POST /recovery-plans} and {@code PUT /recovery-plans/{id}}. */
  public record Plan(String name, List<Group> groups) {}

  public record Group(String name, List<String> vms, List<Action> pre, List<Action> post) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Action(
      String id,
      String kind,
      String host,
      String script,
      List<String> args,
      Integer timeoutSeconds,
      String message,
      String onFailure) {}

  /** A stored plan: the validated plan with defaults filled in, its id and times. */
  public record View(
      String id, String name, List<Group> groups, String createdAt, String updatedAt) {}

  /** {@code POST /recovery-plans/{id}/failover}. */
  public record Failover(String type, String direction, String recoveryPoint) {}

  /** The answer to an accepted run: its job and its report's id. */
  public record Accepted(String jobId, String runId) {}

  /**
   * {@code POST /recovery-plans/{id}/test-failover-cleanup}: the operator's verdict on the drill
   * ({@code passed} or {@code failed}) and notes, both optional, kept in every member's drill
   * report (R27).
   */
  public record TestCleanup(String verdict, String notes) {}

  /** {@code POST /recovery-plans/{id}/runs/{runId}/resume}. */
  public record Resume(String stepId) {}

  /** A run in a listing, without its report. */
  public record RunSummary(
      String runId,
      String jobId,
      String type,
      String direction,
      String recoveryPoint,
      String state,
      String createdAt,
      String endedAt) {}
}
