package dev.haven.dist.temporal;

import java.util.Optional;

/** A Temporal frontend that Haven's processes connect to, embedded or external. */
public interface TemporalEndpoint extends AutoCloseable {

  /** {@code host:port} of the frontend's gRPC endpoint. */
  String target();

  String namespace();

  /** Which kind was chosen: dev-server, test-server or external. */
  String kind();

  /** Where the Temporal web UI listens, when this kind has one. */
  Optional<String> uiUrl();

  /** Stops an embedded server; leaves an external one alone. */
  @Override
  void close();
}
