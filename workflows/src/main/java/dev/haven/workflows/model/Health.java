package dev.haven.workflows.model;

/** Replication health of a protected item (R14), spelled for the API in lower case. */
public enum Health {
  NORMAL,
  WARNING,
  CRITICAL;

  /** The spelling that the REST API and the store use. */
  public String apiName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
