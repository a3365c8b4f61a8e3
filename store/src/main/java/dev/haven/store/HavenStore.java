package dev.haven.store;

import org.jdbi.v3.core.Jdbi;

/** PLACEHOLDER: the store helper replaces this file. Its public API is fixed here. */
public final class HavenStore {
  private HavenStore() {}

  /**
   * Migrates the schema at {@code jdbcUrl} to the newest version (Flyway) and returns a Jdbi with
   * the SqlObject plugin installed.
   */
  public static Jdbi open(String jdbcUrl, String user, String password) {
    throw new UnsupportedOperationException("not yet written");
  }
}
