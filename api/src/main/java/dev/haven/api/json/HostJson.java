package dev.haven.api.json;

import dev.haven.store.Host;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/** The JSON of hosts and their agents (R3, R8). */
public final class HostJson {
  private HostJson() {}

  /** {@code POST /hosts}: register a host agent of a site. */
  public record Create(
      @NotBlank String siteId,
      @NotBlank @Size(max = 200) String name,
      @NotBlank @Pattern(regexp = "\\S+:\\d{1,5}", message = "must be host:port")
          String agentAddress) {}

  /** A host as the API lists it. */
  public record View(String id, String siteId, String name, String agentAddress, String createdAt) {
    public static View of(Host host) {
      return new View(
          host.id(), host.siteId(), host.name(), host.agentAddress(), Times.iso(host.createdAt()));
    }
  }

  /**
   * {@code GET /hosts/{id}}: the host and what its agent says of itself; {@code reachable} is false
   * (and {@code error} says why) when the agent did not answer in time.
   */
  public record Status(
      String id,
      String siteId,
      String name,
      String agentAddress,
      boolean reachable,
      String state,
      String version,
      Long freeBytes,
      String agentHostName,
      String agentSite,
      String nbdAddress,
      String error) {}
}
