package dev.haven.store;

import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;

/**
 * The entry point to Haven's store: migrates the schema (Flyway, {@code db/migration} on the class
 * path) and hands out a {@link Jdbi} with the SqlObject plugin, so that callers attach the DAOs of
 * this package ({@link SiteDao}, {@link ProtectedItemDao}, {@link JobDao} …).
 */
public final class HavenStore {
  private static final String MIGRATIONS = "classpath:db/migration";

  private HavenStore() {}

  /**
   * Migrates the schema at {@code jdbcUrl} to the newest version (Flyway) and returns a Jdbi with
   * the SqlObject plugin installed. Every handle opens its own connection through the driver, which
   * suits the worker and tools; a server with a connection pool uses {@link #migrate(DataSource)}
   * and {@link #configure(Jdbi)} instead.
   */
  public static Jdbi open(String jdbcUrl, String user, String password) {
    Flyway.configure().dataSource(jdbcUrl, user, password).locations(MIGRATIONS).load().migrate();
    return configure(Jdbi.create(jdbcUrl, user, password));
  }

  /** Migrates the schema behind {@code dataSource} to the newest version. */
  public static void migrate(DataSource dataSource) {
    Flyway.configure().dataSource(dataSource).locations(MIGRATIONS).load().migrate();
  }

  /** Installs what the DAOs of this package need on a Jdbi that someone else built. */
  public static Jdbi configure(Jdbi jdbi) {
    return jdbi.installPlugin(new SqlObjectPlugin());
  }
}
