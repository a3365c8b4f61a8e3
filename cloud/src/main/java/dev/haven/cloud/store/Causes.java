package dev.haven.cloud.store;

import java.net.ConnectException;

/** Words for a failure's cause chain, for the backends' error messages. */
final class Causes {
  private Causes() {}

  /**
   * The failure's message followed by the deepest cause that says something, since SDKs wrap the
   * telling part (such as "Connection refused") several layers down.
   */
  static String describe(Throwable e) {
    String message = e.getMessage();
    Throwable telling = null;
    boolean refused = false;
    int depth = 0;
    for (Throwable t = e.getCause(); t != null && depth < 20; t = t.getCause(), depth++) {
      if (t.getMessage() != null) {
        telling = t;
      }
      refused |= t instanceof ConnectException;
    }
    String detail =
        telling != null
            ? telling.getClass().getSimpleName() + ": " + telling.getMessage()
            // The JDK's HttpClient throws a ConnectException without a message when nothing
            // listens on the port.
            : refused ? "connection refused" : null;
    if (message == null) {
      return detail == null ? e.getClass().getSimpleName() : detail;
    }
    if (detail == null || message.contains(telling == null ? detail : telling.getMessage())) {
      return message;
    }
    return message + " (" + detail + ")";
  }

  /**
   * Words saying the SDK retried a server error until it ran out of tries, for the statuses both
   * SDKs retry; empty for any other status, which is not retried.
   */
  static String gaveUp(int status, RetrySettings retries) {
    boolean retried = status == 500 || status == 502 || status == 503 || status == 504;
    return retried && retries.attempts() > 1
        ? " (gave up after " + retries.attempts() + " tries)"
        : "";
  }
}
