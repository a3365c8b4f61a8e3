package dev.haven.agent.replication;

import dev.haven.agent.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * What recovery points need beyond {@link ReplicationRecord}, one JSON file per item under {@code
 * <dataDir>/recovery}: the item's retention and app-consistent frequency, which sealed sequences
 * the source quiesced, a pending in-place rollback, and whether the item needs a resync. It is a
 * file of its own so that the replication record, which other work extends, stays as it is.
 */
public final class RecoveryStore {
  /** The recovery-point state of one item; immutable. */
  public record Item(
      String itemId,
      long retentionMillis,
      long appConsistentEveryMillis,
      long lastAppConsistentAtMillis,
      QuiesceHook.Result lastQuiesce,
      List<Long> appConsistentSeqs,
      long rollbackTo,
      boolean resyncRequired,
      String resyncReason) {

    static Item empty(String itemId) {
      return new Item(itemId, 0, 0, 0, null, List.of(), -1, false, "");
    }

    public Item withPolicy(long retention, long appConsistentEvery) {
      return new Item(
          itemId,
          retention,
          appConsistentEvery,
          lastAppConsistentAtMillis,
          lastQuiesce,
          seqs(),
          rollbackTo,
          resyncRequired,
          resyncReason);
    }

    /** Source: the hook ran before sealing {@code seq}; a success marks the sequence. */
    public Item withQuiesce(QuiesceHook.Result result, long seq, long sealedAtMillis) {
      List<Long> marked = new ArrayList<>(seqs());
      long at = lastAppConsistentAtMillis;
      if (result.succeeded()) {
        marked.add(seq);
        at = sealedAtMillis;
      }
      return new Item(
          itemId,
          retentionMillis,
          appConsistentEveryMillis,
          at,
          result,
          List.copyOf(marked),
          rollbackTo,
          resyncRequired,
          resyncReason);
    }

    /** Source: sequences through {@code seq} were acknowledged; their marks are not needed. */
    public Item withAckedThrough(long seq) {
      return new Item(
          itemId,
          retentionMillis,
          appConsistentEveryMillis,
          lastAppConsistentAtMillis,
          lastQuiesce,
          seqs().stream().filter(s -> s > seq).toList(),
          rollbackTo,
          resyncRequired,
          resyncReason);
    }

    public Item withRollbackTo(long seq) {
      return new Item(
          itemId,
          retentionMillis,
          appConsistentEveryMillis,
          lastAppConsistentAtMillis,
          lastQuiesce,
          seqs(),
          seq,
          resyncRequired,
          resyncReason);
    }

    public Item withResync(boolean required, String reason) {
      return new Item(
          itemId,
          retentionMillis,
          appConsistentEveryMillis,
          lastAppConsistentAtMillis,
          lastQuiesce,
          seqs(),
          rollbackTo,
          required,
          required ? reason : "");
    }

    public List<Long> seqs() {
      return appConsistentSeqs == null ? List.of() : appConsistentSeqs;
    }

    public boolean appConsistent(long seq) {
      return seqs().contains(seq);
    }

    public boolean rollbackPending() {
      return rollbackTo >= 0;
    }
  }

  private final Path dir;
  private final Map<String, Item> items = new ConcurrentHashMap<>();
  private final ItemLocks locks = new ItemLocks();

  RecoveryStore(Path dir) throws IOException {
    this.dir = dir;
    Files.createDirectories(dir);
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.json")) {
      for (Path file : files) {
        Item item = AtomicFiles.readJson(file, Item.class);
        items.put(item.itemId(), item);
      }
    }
  }

  /** Where the agent's hook scripts are: {@code <dataDir>/scripts}. */
  public Path scriptsDir() {
    return dir.resolveSibling("scripts");
  }

  /** The item's state; an item never configured has no retention and no hook. */
  public Item get(String itemId) {
    return Optional.ofNullable(items.get(itemId)).orElseGet(() -> Item.empty(itemId));
  }

  /** Changes of one item are serialized; different items change side by side. */
  public Item update(String itemId, UnaryOperator<Item> change) throws IOException {
    ReplicationStateStore.checkItemId(itemId);
    return locks.with(
        itemId,
        () -> {
          Item current = get(itemId);
          Item next = change.apply(current);
          if (!next.equals(current)) {
            AtomicFiles.writeJson(dir.resolve(itemId + ".json"), next);
            items.put(itemId, next);
          }
          return next;
        });
  }
}
