package dev.haven.workflows.model;

/** The states of a protected item, spelled for the API as {@link #apiName()} returns them. */
public enum ItemState {
  ENABLING("enabling"),
  INITIAL_REPLICATION("initial-replication"),
  PROTECTED("protected"),
  RESYNC_REQUIRED("resync-required"),
  RESYNCHRONIZING("resynchronizing"),
  PAUSED("paused"),
  FAILOVER_IN_PROGRESS("failover-in-progress"),
  FAILED_OVER("failed-over"),
  TEST_FAILOVER("test-failover"),
  COMMITTED("committed"),
  DISABLED("disabled"),
  ERROR("error");

  private final String apiName;

  ItemState(String apiName) {
    this.apiName = apiName;
  }

  /** The spelling that the REST API and the store use. */
  public String apiName() {
    return apiName;
  }

  /** Parses the API spelling back into a state. */
  public static ItemState fromApiName(String name) {
    for (ItemState s : values()) {
      if (s.apiName.equals(name)) {
        return s;
      }
    }
    throw new IllegalArgumentException("unknown item state '" + name + "'");
  }
}
