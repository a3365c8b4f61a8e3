package dev.haven.agent.replication;

import dev.haven.agent.disk.BlockDevice;
import dev.haven.agent.replication.ReplicationRecord.CopyState;
import dev.haven.agent.replication.ReplicationRecord.Role;
import dev.haven.agent.vm.FileVmDriver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At a target agent's start, moves each unfinished initial copy's stored progress past the chunks
 * its {@link CopyJournal} proves are in the image, before any source asks where to resume.
 */
final class CopyRecovery {
  private static final Logger LOG = LoggerFactory.getLogger(CopyRecovery.class);

  private CopyRecovery() {}

  static void run(FileVmDriver driver, ReplicationStateStore store) {
    for (ReplicationRecord record : store.all()) {
      if (record.role() != Role.TARGET) {
        continue;
      }
      for (CopyState copy : record.copies()) {
        Path journal = CopyJournal.file(driver.folder(record.vmId()), copy.diskId());
        try {
          if (!copy.done() && Files.exists(journal)) {
            recover(driver, store, record, copy, journal);
          }
          Files.deleteIfExists(journal);
        } catch (IOException | RuntimeException e) {
          // The stored checkpoint stands; the chunks after it are simply received again.
          LOG.warn(
              "item {}: cannot recover the copy journal of replica disk {}: {}",
              record.itemId(),
              copy.diskId(),
              e.toString());
        }
      }
    }
  }

  private static void recover(
      FileVmDriver driver,
      ReplicationStateStore store,
      ReplicationRecord record,
      CopyState copy,
      Path journal)
      throws IOException {
    BlockDevice image = driver.device(record.vmId(), copy.diskId());
    long next = CopyJournal.recover(journal, copy.nextChunk(), image);
    if (next <= copy.nextChunk()) {
      return;
    }
    // The recovered chunks become durable before the progress that names them is stored.
    image.flush();
    // Never "done": the source sends the last chunk again and the stream's end marks it.
    store.update(
        record.itemId(),
        r -> r.withCopy(new CopyState(copy.diskId(), next, copy.totalChunks(), false)));
    LOG.info(
        "item {}: replica disk {} keeps chunks {} to {} written before the agent stopped",
        record.itemId(),
        copy.diskId(),
        copy.nextChunk(),
        next - 1);
  }
}
