package dev.haven.api.json;

import dev.haven.store.Policy;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/** The JSON of replication policies (R9). */
public final class PolicyJson {
  private PolicyJson() {}

  /**
   * {@code POST /policies} and {@code PUT /policies/{id}}. Omitted optional fields take the
   * defaults: no app-consistent snapshots (0), initial replication {@code immediately}, resync
   * {@code outside-office-hours} in {@code UTC}, compression and encryption on, replicas kept
   * ({@code keep}).
   */
  public record Body(
      @NotBlank @Size(max = 200) String name,
      @NotNull @Min(5) @Max(86_400) Integer copyFrequencySeconds,
      @NotNull @Min(1) @Max(720) Integer recoveryPointRetentionHours,
      @Min(0) @Max(720) Integer appConsistentFrequencyHours,
      @Size(max = 64) String initialReplicationStart,
      @Pattern(
              regexp = "outside-office-hours|anytime|manual",
              message = "must be outside-office-hours, anytime or manual")
          String resyncWindow,
      Boolean compression,
      Boolean encryption,
      @Pattern(regexp = "keep|delete", message = "must be keep or delete") String replicaDeletion,
      @Size(max = 64) String resyncTimeZone) {}

  /** A policy as the API shows it. */
  public record View(
      String id,
      String name,
      int copyFrequencySeconds,
      int recoveryPointRetentionHours,
      int appConsistentFrequencyHours,
      String initialReplicationStart,
      String resyncWindow,
      boolean compression,
      boolean encryption,
      String replicaDeletion,
      String createdAt,
      String updatedAt,
      String resyncTimeZone) {
    public static View of(Policy p) {
      return new View(
          p.id(),
          p.name(),
          p.copyFrequencySeconds(),
          p.recoveryPointRetentionHours(),
          p.appConsistentFrequencyHours(),
          p.initialReplicationStart(),
          p.resyncWindow(),
          p.compression(),
          p.encryption(),
          p.replicaDeletion(),
          Times.iso(p.createdAt()),
          Times.iso(p.updatedAt()),
          p.resyncTimeZone());
    }
  }
}
