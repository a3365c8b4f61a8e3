package dev.haven.api.json;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.haven.store.ProtectedItem;
import dev.haven.store.RecoveryPoint;
import dev.haven.workflows.model.ErrorType;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/** The JSON of protected items (R10, R14), their recovery points and failover requests. */
public final class ItemJson {
  private ItemJson() {}

  /** {@code POST /protected-items}: enable protection of a VM under a site pairing. */
  public record Enable(@NotBlank String vmId, @NotBlank String pairingId) {}

  /** The answer to an accepted long operation: the job that follows it (and the new item). */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Accepted(String jobId, String itemId) {}

  /**
   * {@code POST /protected-items/{id}/failover}. {@code recoveryPoint} is {@code latest} (the
   * default), {@code latest-app-consistent} or a recovery point id. {@code autoCommitSeconds}, when
   * set, commits the failover by itself that long after it succeeded (R20). {@code staticIp} and
   * {@code publicIp} (IP literals) are recorded on the VM that runs at the target (R19).
   */
  public record Failover(
      @NotNull
          @Pattern(
              regexp = "planned|unplanned|test",
              message = "must be planned, unplanned or test")
          String type,
      @Size(max = 64) String recoveryPoint,
      @Size(max = 64) String alternateHostId,
      @Min(value = 0, message = "must be 0 or more (seconds)") Integer autoCommitSeconds,
      @Size(max = 45) String staticIp,
      @Size(max = 45) String publicIp) {}

  /**
   * {@code POST /protected-items/{id}/test-failover-cleanup}: the operator's verdict on the drill
   * and notes, kept in its report (R27).
   */
  public record TestCleanup(
      @Pattern(regexp = "passed|failed", message = "must be passed or failed") String verdict,
      @Size(max = 2000) String notes) {}

  /**
   * {@code POST /protected-items/{id}/change-recovery-point}: {@code latest}, {@code
   * latest-app-consistent} or a recovery point id (R20).
   */
  public record ChangePoint(@NotNull @Size(max = 64) String recoveryPoint) {}

  /**
   * An item's replication status (R14). {@code rpoSeconds} is the age of the newest recovery point
   * and null before the first; {@code testVmId} is set while a test failover runs; {@code
   * lastErrorType} is the error class of {@code lastError} (R16), e.g. {@code NetworkError}.
   */
  public record View(
      String id,
      String vmId,
      String pairingId,
      String sourceHostId,
      String targetHostId,
      String replicaVmId,
      String testVmId,
      String state,
      String health,
      Long rpoSeconds,
      String lastRecoveryPoint,
      String lastRecoveryPointId,
      Long lastAppliedSeq,
      Long pendingBytes,
      String lastError,
      String activeSiteId,
      String workflowId,
      String createdAt,
      String updatedAt,
      String lastErrorType) {

    /** The view of {@code item}, whose newest recovery point is {@code newest} (maybe null). */
    public static View of(ProtectedItem item, RecoveryPoint newest, long nowMillis) {
      Long newestAt = newest != null ? newest.createdAt() : null;
      if (item.lastRecoveryPointAt() != null
          && (newestAt == null || item.lastRecoveryPointAt() > newestAt)) {
        newestAt = item.lastRecoveryPointAt();
      }
      Long rpo = newestAt == null ? null : Math.max(0, (nowMillis - newestAt) / 1000);
      return new View(
          item.id(),
          item.vmId(),
          item.pairingId(),
          item.sourceHostId(),
          item.targetHostId(),
          item.replicaVmId(),
          null,
          item.state(),
          item.health(),
          rpo,
          Times.iso(newestAt),
          newest != null ? newest.id() : null,
          item.lastAppliedSeq(),
          item.pendingBytes(),
          item.lastError(),
          item.activeSiteId(),
          item.workflowId(),
          Times.iso(item.createdAt()),
          Times.iso(item.updatedAt()),
          errorType(item.lastError()));
    }

    /** This view with {@code testVm}, the VM of the test failover that runs now (R27). */
    public View withTestVmId(String testVm) {
      return new View(
          id,
          vmId,
          pairingId,
          sourceHostId,
          targetHostId,
          replicaVmId,
          testVm,
          state,
          health,
          rpoSeconds,
          lastRecoveryPoint,
          lastRecoveryPointId,
          lastAppliedSeq,
          pendingBytes,
          lastError,
          activeSiteId,
          workflowId,
          createdAt,
          updatedAt,
          lastErrorType);
    }

    /**
     * R14's error class of {@code lastError}, which the workflow writes as {@code Type: message}:
     * one of {@link ErrorType}'s names, or null when the error carries none.
     */
    static String errorType(String lastError) {
      if (lastError == null) {
        return null;
      }
      for (ErrorType type : ErrorType.values()) {
        if (lastError.startsWith(type.typeName() + ":")) {
          return type.typeName();
        }
      }
      return null;
    }
  }

  /** A recovery point; {@code createdAt} is ISO-8601 UTC. */
  public record Point(String id, String createdAt, boolean appConsistent, long seq) {
    public static Point of(RecoveryPoint p) {
      return new Point(p.id(), Times.iso(p.createdAt()), p.appConsistent(), p.seq());
    }
  }
}
