package dev.haven.api.json;

import dev.haven.store.NetworkMapping;
import dev.haven.store.Pairing;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.util.List;

/** The JSON of site pairings (R8, R9). */
public final class PairingJson {
  private PairingJson() {}

  /** {@code POST /site-pairings}. */
  public record Create(
      @NotBlank String sourceSiteId,
      @NotBlank String targetSiteId,
      @NotBlank String policyId,
      @Size(max = 64) @Valid List<@NotNull Mapping> networkMappings) {}

  /** A source network and the target network that replicas attach to instead. */
  public record Mapping(
      @NotBlank @Size(max = 200) String source, @NotBlank @Size(max = 200) String target) {}

  /** A pairing as the API shows it. */
  public record View(
      String id,
      String sourceSiteId,
      String targetSiteId,
      String policyId,
      List<Mapping> networkMappings,
      String createdAt) {
    public static View of(Pairing p, List<NetworkMapping> mappings) {
      return new View(
          p.id(),
          p.sourceSiteId(),
          p.targetSiteId(),
          p.policyId(),
          mappings.stream().map(m -> new Mapping(m.sourceNetwork(), m.targetNetwork())).toList(),
          Times.iso(p.createdAt()));
    }
  }
}
