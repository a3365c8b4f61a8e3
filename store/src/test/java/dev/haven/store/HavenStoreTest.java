package dev.haven.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HavenStoreTest {
  @TempDir Path dir;

  @Test
  void migrationsCreateEveryTableOnAnH2File() {
    Jdbi jdbi = HavenStore.open("jdbc:h2:file:" + dir.resolve("haven"), "sa", "");

    List<String> tables =
        jdbi.withHandle(
            h ->
                h.createQuery(
                        "SELECT LOWER(table_name) FROM information_schema.tables"
                            + " WHERE LOWER(table_schema) = 'public' ORDER BY 1")
                    .mapTo(String.class)
                    .list());
    assertThat(tables)
        .contains(
            "sites",
            "hosts",
            "vms",
            "policies",
            "site_pairings",
            "pairing_network_mappings",
            "protected_items",
            "recovery_points",
            "jobs",
            "job_steps");
    assertThat(dir.resolve("haven.mv.db")).exists();
  }

  @Test
  void reopeningAMigratedStoreKeepsItsRows() {
    String url = "jdbc:h2:file:" + dir.resolve("haven");
    Jdbi first = HavenStore.open(url, "sa", "");
    new StoreSeeder(first).ensureSite("primary", "onprem");
    int applied = appliedMigrations(first);

    Jdbi second = HavenStore.open(url, "sa", "");

    assertThat(second.onDemand(SiteDao.class).list())
        .extracting(Site::name)
        .containsExactly("primary");
    // Every migration applied once (V1, V2, V4 recovery plans, …): reopening applies nothing.
    assertThat(applied).isGreaterThan(2);
    assertThat(appliedMigrations(second)).isEqualTo(applied);
  }

  private static int appliedMigrations(Jdbi jdbi) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT COUNT(*) FROM \"flyway_schema_history\" WHERE \"success\" AND \"type\" = 'SQL'")
                .mapTo(Integer.class)
                .one());
  }

  @Test
  void idsAreOpaqueWithAKindPrefix() {
    assertThat(Ids.next("site")).matches("site-[0-9a-f]{8}");
    assertThat(Ids.next("job")).isNotEqualTo(Ids.next("job"));
    assertThat(Ids.recoveryPoint(42)).isEqualTo("rp-42");
  }
}
