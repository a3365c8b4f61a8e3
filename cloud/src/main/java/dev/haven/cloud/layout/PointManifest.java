package dev.haven.cloud.layout;

import java.util.List;

/**
 * A recovery point of a protected item in a cloud site: for each disk, the objects that rebuild it
 * at the point. {@code generation} is the sequence of the point the base chunks were folded at (0
 * for the initial copy).
 */
public record PointManifest(
    String itemId,
    long seq,
    long createdAtMillis,
    boolean appConsistent,
    long generation,
    List<DiskManifest> disks) {

  public PointManifest {
    disks = List.copyOf(disks);
  }

  /** The recovery point id, as the agents name points: {@code rp-<seq>}. */
  public String pointId() {
    return "rp-" + seq;
  }

  public DiskManifest disk(String diskId) {
    return disks.stream()
        .filter(d -> d.diskId().equals(diskId))
        .findFirst()
        .orElseThrow(
            () -> new IllegalArgumentException("point " + pointId() + " has no disk " + diskId));
  }
}
