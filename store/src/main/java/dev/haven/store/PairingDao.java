package dev.haven.store;

import java.util.List;
import java.util.Optional;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;
import org.jdbi.v3.sqlobject.transaction.Transaction;

/** Site pairings (R8, R9) and their network mappings. One pairing per source and target site. */
@RegisterConstructorMapper(Pairing.class)
@RegisterConstructorMapper(NetworkMapping.class)
public interface PairingDao {
  String COLUMNS = "id, source_site_id, target_site_id, policy_id, created_at";

  @SqlUpdate(
      "INSERT INTO site_pairings ("
          + COLUMNS
          + ") VALUES (:id, :sourceSiteId, :targetSiteId, :policyId, :createdAt)")
  void insert(@BindMethods Pairing pairing);

  @SqlUpdate(
      "INSERT INTO pairing_network_mappings (pairing_id, ordinal, source_network, target_network)"
          + " VALUES (:pairingId, :ordinal, :sourceNetwork, :targetNetwork)")
  void insertMapping(
      @Bind("pairingId") String pairingId,
      @Bind("ordinal") int ordinal,
      @BindMethods NetworkMapping mapping);

  /** Inserts a pairing with its network mappings, in their order, in one transaction. */
  @Transaction
  default void insert(Pairing pairing, List<NetworkMapping> mappings) {
    insert(pairing);
    for (int i = 0; i < mappings.size(); i++) {
      insertMapping(pairing.id(), i, mappings.get(i));
    }
  }

  @SqlQuery("SELECT " + COLUMNS + " FROM site_pairings WHERE id = :id")
  Optional<Pairing> find(@Bind("id") String id);

  @SqlQuery(
      "SELECT "
          + COLUMNS
          + " FROM site_pairings WHERE source_site_id = :sourceSiteId"
          + " AND target_site_id = :targetSiteId")
  Optional<Pairing> findBySites(
      @Bind("sourceSiteId") String sourceSiteId, @Bind("targetSiteId") String targetSiteId);

  @SqlQuery("SELECT " + COLUMNS + " FROM site_pairings ORDER BY created_at, id")
  List<Pairing> list();

  @SqlQuery(
      "SELECT source_network, target_network FROM pairing_network_mappings"
          + " WHERE pairing_id = :pairingId ORDER BY ordinal")
  List<NetworkMapping> networkMappings(@Bind("pairingId") String pairingId);

  @SqlQuery("SELECT COUNT(*) FROM site_pairings")
  long count();
}
