package dev.haven.store;

import java.util.List;
import java.util.Optional;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** Sites (R2). Names are unique. */
@RegisterConstructorMapper(Site.class)
public interface SiteDao {
  String COLUMNS = "id, name, kind, created_at";

  @SqlUpdate("INSERT INTO sites (" + COLUMNS + ") VALUES (:id, :name, :kind, :createdAt)")
  void insert(@BindMethods Site site);

  @SqlQuery("SELECT " + COLUMNS + " FROM sites WHERE id = :id")
  Optional<Site> find(@Bind("id") String id);

  @SqlQuery("SELECT " + COLUMNS + " FROM sites WHERE name = :name")
  Optional<Site> findByName(@Bind("name") String name);

  @SqlQuery("SELECT " + COLUMNS + " FROM sites ORDER BY name")
  List<Site> list();

  @SqlQuery("SELECT COUNT(*) FROM sites")
  long count();
}
