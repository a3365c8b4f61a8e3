package dev.haven.agent.replication;

import dev.haven.agent.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The target's confirmed progress of a resync of one replica disk, in {@code <diskId>.resync.json}
 * beside the disk: the block before which the replica is known to match the source, written only
 * after the image was forced. A resumed resync restarts there; a finished one removes the file, so
 * the next resync starts from the first block.
 */
record ConfirmedBlock(String diskId, int blockSize, long nextBlock) {

  static Path file(Path vmFolder, String diskId) {
    return vmFolder.resolve(diskId + ".resync.json");
  }

  static Optional<ConfirmedBlock> read(Path vmFolder, String diskId) throws IOException {
    Path file = file(vmFolder, diskId);
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    return Optional.of(AtomicFiles.readJson(file, ConfirmedBlock.class));
  }

  void write(Path vmFolder) throws IOException {
    AtomicFiles.writeJson(file(vmFolder, diskId), this);
  }

  static void clear(Path vmFolder, String diskId) throws IOException {
    Files.deleteIfExists(file(vmFolder, diskId));
    AtomicFiles.forceDirectory(vmFolder);
  }

  /**
   * Where a resync asked to start at {@code requested} really starts: never after the confirmed
   * block (blocks past it may be half written), from the first block when nothing is confirmed (a
   * caller's heartbeat may be ahead of what reached the target's disk) or the block size changed.
   */
  static long startBlock(Optional<ConfirmedBlock> stored, long requested, int blockSize) {
    if (stored.isEmpty() || stored.get().blockSize() != blockSize) {
      return 0;
    }
    return Math.min(requested, stored.get().nextBlock());
  }
}
