package dev.haven.store;

import java.util.List;
import java.util.Optional;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** Registered hosts (R3, R8). A host's name is unique within its site. */
@RegisterConstructorMapper(Host.class)
public interface HostDao {
  String COLUMNS = "id, site_id, name, agent_address, created_at";

  @SqlUpdate(
      "INSERT INTO hosts (" + COLUMNS + ") VALUES (:id, :siteId, :name, :agentAddress, :createdAt)")
  void insert(@BindMethods Host host);

  @SqlQuery("SELECT " + COLUMNS + " FROM hosts WHERE id = :id")
  Optional<Host> find(@Bind("id") String id);

  @SqlQuery("SELECT " + COLUMNS + " FROM hosts WHERE site_id = :siteId AND name = :name")
  Optional<Host> findBySiteAndName(@Bind("siteId") String siteId, @Bind("name") String name);

  @SqlQuery("SELECT " + COLUMNS + " FROM hosts WHERE site_id = :siteId ORDER BY name, id")
  List<Host> listBySite(@Bind("siteId") String siteId);

  @SqlQuery("SELECT " + COLUMNS + " FROM hosts ORDER BY site_id, name, id")
  List<Host> list();

  @SqlUpdate("UPDATE hosts SET agent_address = :agentAddress WHERE id = :id")
  int updateAgentAddress(@Bind("id") String id, @Bind("agentAddress") String agentAddress);

  @SqlQuery("SELECT COUNT(*) FROM hosts")
  long count();
}
