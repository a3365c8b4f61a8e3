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
      @NotNull @Pattern(regexp = "onprem|cloud", message = "must be onprem or cloud") String kind,
      // Issue 8: a cloud site's object store, where source agents write replicated disks.
      @Size(max = 1000)
          @Pattern(
              regexp = "(file|s3|azure)://\\S+|/\\S*",
              message = "must be file:///path, s3://bucket/prefix, azure://… or an absolute path")
          String storage) {}

  /** A site as the API shows it. */
  public record View(String id, String name, String kind, String createdAt, String storage) {
    public static View of(Site site) {
      return of(site, null);
    }

    /** With a cloud site's object store; {@code storage} is null for other sites. */
    public static View of(Site site, String storage) {
      return new View(site.id(), site.name(), site.kind(), Times.iso(site.createdAt()), storage);
    }
  }
}
