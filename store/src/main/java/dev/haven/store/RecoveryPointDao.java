package dev.haven.store;

import java.util.List;
import java.util.Optional;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** Recovery points (R13): one row per applied log of an item, unique by item and sequence. */
@RegisterConstructorMapper(RecoveryPoint.class)
public interface RecoveryPointDao {
  String COLUMNS = "item_id, seq, id, created_at, app_consistent";

  @SqlUpdate(
      "INSERT INTO recovery_points ("
          + COLUMNS
          + ") VALUES (:itemId, :seq, :id, :createdAt, :appConsistent)")
  void insert(@BindMethods RecoveryPoint point);

  /**
   * Inserts the point unless the item already has its sequence; answers whether it wrote a row. A
   * look-up first keeps the SQL portable (no MERGE or ON CONFLICT); a concurrent twin still fails
   * on the primary key, which the caller treats as already recorded.
   */
  default boolean insertIfAbsent(RecoveryPoint point) {
    if (findBySeq(point.itemId(), point.seq()).isPresent()) {
      return false;
    }
    insert(point);
    return true;
  }

  @SqlQuery("SELECT " + COLUMNS + " FROM recovery_points WHERE item_id = :itemId AND seq = :seq")
  Optional<RecoveryPoint> findBySeq(@Bind("itemId") String itemId, @Bind("seq") long seq);

  @SqlQuery("SELECT " + COLUMNS + " FROM recovery_points WHERE item_id = :itemId AND id = :id")
  Optional<RecoveryPoint> findById(@Bind("itemId") String itemId, @Bind("id") String id);

  /** The item's recovery points, newest first. */
  @SqlQuery(
      "SELECT "
          + COLUMNS
          + " FROM recovery_points WHERE item_id = :itemId ORDER BY created_at DESC, seq DESC")
  List<RecoveryPoint> listNewestFirst(@Bind("itemId") String itemId);

  @SqlQuery(
      "SELECT "
          + COLUMNS
          + " FROM recovery_points WHERE item_id = :itemId"
          + " ORDER BY created_at DESC, seq DESC FETCH FIRST 1 ROWS ONLY")
  Optional<RecoveryPoint> newest(@Bind("itemId") String itemId);

  /** Drops the item's points created before {@code cutoff} (retention, R9). */
  @SqlUpdate("DELETE FROM recovery_points WHERE item_id = :itemId AND created_at < :cutoff")
  int deleteOlderThan(@Bind("itemId") String itemId, @Bind("cutoff") long cutoff);

  @SqlQuery("SELECT COUNT(*) FROM recovery_points WHERE item_id = :itemId")
  long count(@Bind("itemId") String itemId);
}
