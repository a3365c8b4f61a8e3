package dev.haven.agent.cloud;

import dev.haven.agent.io.AtomicFiles;
import dev.haven.cloud.layout.DiskManifest;
import dev.haven.cloud.layout.ManifestCodec;
import dev.haven.cloud.layout.PointManifest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The source side's record of items that replicate to a cloud site: the store's location per item
 * ({@code <dataDir>/cloud/<itemId>/location}) and, between an initial copy and the first point,
 * each disk's uploaded base ({@code <dataDir>/cloud/<itemId>/base-<diskId>}, in manifest form),
 * which the first point's manifest then names.
 */
public final class CloudTargets {
  private final Path root;

  public CloudTargets(Path dataDir) {
    this.root = dataDir.resolve("cloud");
  }

  /** Records a fresh start to the store at {@code location}, forgetting an earlier one. */
  public void set(String itemId, String location) throws IOException {
    clear(itemId);
    Path folder = root.resolve(itemId);
    Files.createDirectories(folder);
    AtomicFiles.write(folder.resolve("location"), location.getBytes(StandardCharsets.UTF_8));
  }

  /** Forgets the item: it replicates to an agent (or not at all) now. */
  public void clear(String itemId) throws IOException {
    Path folder = root.resolve(itemId);
    if (Files.isDirectory(folder)) {
      try (var files = Files.list(folder)) {
        for (Path file : files.toList()) {
          Files.delete(file);
        }
      }
      Files.delete(folder);
    }
  }

  public Optional<String> location(String itemId) throws IOException {
    Path file = root.resolve(itemId).resolve("location");
    return Files.exists(file)
        ? Optional.of(Files.readString(file, StandardCharsets.UTF_8))
        : Optional.empty();
  }

  /** Whether the store's newest point was folded for this start (see {@link CloudSource}). */
  public boolean folded(String itemId) {
    return Files.exists(root.resolve(itemId).resolve("folded"));
  }

  public void markFolded(String itemId) throws IOException {
    AtomicFiles.write(root.resolve(itemId).resolve("folded"), new byte[0]);
  }

  public void putBase(String itemId, DiskManifest base) throws IOException {
    PointManifest holder = new PointManifest(itemId, 0, 0, false, 0, List.of(base));
    AtomicFiles.write(baseFile(itemId, base.diskId()), ManifestCodec.encode(holder));
  }

  public Optional<DiskManifest> base(String itemId, String diskId) throws IOException {
    Path file = baseFile(itemId, diskId);
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    return Optional.of(
        ManifestCodec.decode(file.toString(), Files.readAllBytes(file)).disk(diskId));
  }

  public void dropBase(String itemId, String diskId) throws IOException {
    Files.deleteIfExists(baseFile(itemId, diskId));
  }

  private Path baseFile(String itemId, String diskId) {
    return root.resolve(itemId).resolve("base-" + diskId);
  }
}
