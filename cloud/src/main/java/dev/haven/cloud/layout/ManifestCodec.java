package dev.haven.cloud.layout;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A manifest as text (sealed like every other object): one header line, then per disk a {@code
 * disk} line followed by its {@code c} (chunk) and {@code l} (log part) lines. Text keeps manifests
 * readable when an operator decrypts one by hand, and a 2 GiB disk's manifest is about 70 KB.
 */
public final class ManifestCodec {
  private static final String MAGIC = "haven-point 1";

  private ManifestCodec() {}

  public static byte[] encode(PointManifest m) {
    StringBuilder s = new StringBuilder(MAGIC).append('\n');
    s.append("item ").append(m.itemId()).append('\n');
    s.append("point ")
        .append(m.seq())
        .append(' ')
        .append(m.createdAtMillis())
        .append(' ')
        .append(m.appConsistent() ? "app" : "crash")
        .append(' ')
        .append(m.generation())
        .append('\n');
    for (DiskManifest d : m.disks()) {
      s.append("disk ")
          .append(d.diskId())
          .append(' ')
          .append(d.sizeBytes())
          .append(' ')
          .append(d.chunkBytes())
          .append('\n');
      for (ChunkRef c : d.chunks()) {
        s.append("c ").append(c.index()).append(' ').append(c.key()).append(' ');
        s.append(c.sha256()).append('\n');
      }
      for (LogPartRef l : d.logs()) {
        s.append("l ").append(l.seq()).append(' ').append(l.part()).append(' ');
        s.append(l.key()).append(' ').append(l.sha256()).append('\n');
      }
    }
    s.append("end\n");
    return s.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Parses a manifest; anything malformed is an {@link IllegalArgumentException} naming it. */
  public static PointManifest decode(String objectKey, byte[] bytes) {
    String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\n");
    try {
      if (!lines[0].equals(MAGIC) || !lines[lines.length - 1].equals("end")) {
        throw new IllegalArgumentException("not a complete manifest");
      }
      String item = word(lines[1], "item", 2)[1];
      String[] p = word(lines[2], "point", 5);
      List<DiskManifest> disks = new ArrayList<>();
      String diskId = null;
      long size = 0;
      int chunkBytes = 0;
      List<ChunkRef> chunks = new ArrayList<>();
      List<LogPartRef> logs = new ArrayList<>();
      for (int i = 3; i < lines.length - 1; i++) {
        String[] w = lines[i].split(" ");
        switch (w[0]) {
          case "disk" -> {
            if (diskId != null) {
              disks.add(new DiskManifest(diskId, size, chunkBytes, chunks, logs));
            }
            word(lines[i], "disk", 4);
            diskId = w[1];
            size = Long.parseLong(w[2]);
            chunkBytes = Integer.parseInt(w[3]);
            chunks = new ArrayList<>();
            logs = new ArrayList<>();
          }
          case "c" -> {
            word(lines[i], "c", 4);
            chunks.add(new ChunkRef(Integer.parseInt(w[1]), w[2], w[3]));
          }
          case "l" -> {
            word(lines[i], "l", 5);
            logs.add(new LogPartRef(Long.parseLong(w[1]), Integer.parseInt(w[2]), w[3], w[4]));
          }
          default -> throw new IllegalArgumentException("unexpected line '" + lines[i] + "'");
        }
        if (diskId == null) {
          throw new IllegalArgumentException("a chunk or log before any disk");
        }
      }
      if (diskId != null) {
        disks.add(new DiskManifest(diskId, size, chunkBytes, chunks, logs));
      }
      return new PointManifest(
          item,
          Long.parseLong(p[1]),
          Long.parseLong(p[2]),
          p[3].equals("app"),
          Long.parseLong(p[4]),
          disks);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("manifest '" + objectKey + "' is malformed: " + e, e);
    }
  }

  private static String[] word(String line, String first, int count) {
    String[] w = line.split(" ");
    if (!w[0].equals(first) || w.length != count) {
      throw new IllegalArgumentException("expected a '" + first + "' line, found '" + line + "'");
    }
    return w;
  }
}
