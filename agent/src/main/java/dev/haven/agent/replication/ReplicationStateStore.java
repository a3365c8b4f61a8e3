package dev.haven.agent.replication;

import dev.haven.agent.NotFoundException;
import dev.haven.agent.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * The replication state of every item this agent is source or target of, one JSON file per item
 * under {@code <dataDir>/replication}, each replaced atomically. Reads come from memory; every
 * change is on disk before it is visible.
 */
public final class ReplicationStateStore {
  private static final Pattern ITEM_ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");

  private final Path dir;
  private final Map<String, ReplicationRecord> items = new ConcurrentHashMap<>();
  private final ItemLocks locks = new ItemLocks();
  private RecoveryStore recovery;

  public ReplicationStateStore(Path dataDir) throws IOException {
    this.dir = dataDir.resolve("replication");
    Files.createDirectories(dir);
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.json")) {
      for (Path file : files) {
        ReplicationRecord record = AtomicFiles.readJson(file, ReplicationRecord.class);
        items.put(record.itemId(), record);
      }
    }
  }

  /** Checks that an item id can name a file; answers it. */
  public static String checkItemId(String itemId) {
    if (itemId == null || !ITEM_ID.matcher(itemId).matches() || itemId.startsWith(".")) {
      throw new IllegalArgumentException(
          "item_id must be 1 to 128 letters, digits, '.', '_' or '-', got '" + itemId + "'");
    }
    return itemId;
  }

  public Optional<ReplicationRecord> find(String itemId) {
    return Optional.ofNullable(items.get(itemId));
  }

  /** The item's state, or {@link NotFoundException} naming it. */
  public ReplicationRecord require(String itemId) {
    checkItemId(itemId);
    ReplicationRecord record = items.get(itemId);
    if (record == null) {
      throw new NotFoundException(
          "protected item '" + itemId + "' has no replication state on this agent");
    }
    return record;
  }

  public List<ReplicationRecord> all() {
    return items.values().stream().sorted(Comparator.comparing(ReplicationRecord::itemId)).toList();
  }

  /** Stores a record, replacing the item's previous one. */
  public ReplicationRecord put(ReplicationRecord record) throws IOException {
    checkItemId(record.itemId());
    return locks.with(record.itemId(), () -> write(record));
  }

  private ReplicationRecord write(ReplicationRecord record) throws IOException {
    AtomicFiles.writeJson(dir.resolve(record.itemId() + ".json"), record);
    items.put(record.itemId(), record);
    return record;
  }

  /**
   * Applies {@code change} to the item's current record and stores the result. Changes of one item
   * are serialized; different items change side by side.
   */
  public ReplicationRecord update(String itemId, UnaryOperator<ReplicationRecord> change)
      throws IOException {
    checkItemId(itemId);
    return locks.with(
        itemId,
        () -> {
          ReplicationRecord current = require(itemId);
          ReplicationRecord next = change.apply(current);
          return next.equals(current) ? current : write(next);
        });
  }

  /**
   * The recovery-point state of every item (retention, app-consistent marks, pending rollback,
   * resync flag), kept beside this store under {@code <dataDir>/recovery}.
   */
  public synchronized RecoveryStore recovery() throws IOException {
    if (recovery == null) {
      recovery = new RecoveryStore(dir.resolveSibling("recovery"));
    }
    return recovery;
  }
}
