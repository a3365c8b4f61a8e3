package dev.haven.api.json;

import dev.haven.store.Site;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/** The JSON of sites (R2). */
public final class SiteJson {
  private SiteJson() {}

  /** {@code POST /sites}. */
  public record Create(
      @NotBlank @Size(max = 200) String name,
      @NotNull @Pattern(regexp = "onprem|cloud", message = "must be onprem or cloud")
          String kind) {}

  /** A site as the API shows it. */
  public record View(String id, String name, String kind, String createdAt) {
    public static View of(Site site) {
      return new View(site.id(), site.name(), site.kind(), Times.iso(site.createdAt()));
    }
  }
}
