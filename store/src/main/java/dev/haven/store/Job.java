package dev.haven.store;

/** A job (R28): one operation on an item, with its state and times (epoch milliseconds). */
public record Job(
    String id,
    String type,
    String itemId,
    String state,
    long createdAt,
    Long startedAt,
    Long endedAt,
    String workflowId,
    String error) {

  /**
   * The job moved to {@code state} at {@code atMillis}: it started at its first non-queued state
   * and ended when it reached a terminal one; a null {@code error} keeps the error it ended with.
   */
  public Job movedTo(String state, long atMillis, String error) {
    boolean ends = JobDao.TERMINAL_STATES.contains(state);
    Long started =
        startedAt == null && !state.equals("queued") ? Long.valueOf(atMillis) : startedAt;
    String keptError = error != null ? error : (ends ? this.error : null);
    return new Job(
        id, type, itemId, state, createdAt, started, ends ? atMillis : null, workflowId, keptError);
  }
}
