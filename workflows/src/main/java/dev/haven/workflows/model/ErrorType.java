package dev.haven.workflows.model;

/**
 * The error types that activities raise as {@code ApplicationFailure} types (R16). A
 * non-recoverable type is raised non-retryable and makes the item's health critical until an
 * administrator acts; a recoverable one is retried, first by the activity, then by the workflow.
 */
public enum ErrorType {
  /** The VM, disk or item the command names does not exist on that agent. */
  VM_NOT_FOUND("VmNotFound", false),
  /** The peer refused our certificate or our role. */
  AUTHENTICATION_FAILED("AuthenticationFailed", false),
  /** The replica (or the source) is not in a state that allows the command. */
  REPLICA_INVALID_STATE("ReplicaInvalidState", false),
  /** The command itself was malformed; retrying it cannot help. */
  INVALID_REQUEST("InvalidRequest", false),
  /** The agent does not implement the command (an older agent). */
  UNSUPPORTED("Unsupported", false),
  /** The agent could not be reached or did not answer in time. */
  NETWORK_ERROR("NetworkError", true),
  /** The agent ran out of disk space or another resource. */
  LOW_DISK("LowDisk", true),
  /** Data was lost or corrupted on the way; the agent can usually recover by retrying. */
  DATA_LOSS("DataLoss", true),
  /** Any other failure inside the agent. */
  AGENT_ERROR("AgentError", true),
  /** The replica's contents differ from the source's where they must be equal. */
  REPLICA_MISMATCH("ReplicaMismatch", false),
  /** A prerequisite of enabling protection is not met (R10); the message names which. */
  PREREQUISITE_FAILED("PrerequisiteFailed", false);

  private final String typeName;
  private final boolean recoverable;

  ErrorType(String typeName, boolean recoverable) {
    this.typeName = typeName;
    this.recoverable = recoverable;
  }

  /** The {@code ApplicationFailure} type name. */
  public String typeName() {
    return typeName;
  }

  /** Whether retrying can succeed without an administrator's help. */
  public boolean recoverable() {
    return recoverable;
  }
}
