package dev.haven.store;

import java.nio.file.Path;
import org.jdbi.v3.core.Jdbi;

/** A migrated H2 file store with a primary and a secondary site, one host each, and a pairing. */
final class StoreFixture {
  final Jdbi jdbi;
  final Site primary;
  final Site secondary;
  final Host source;
  final Host target;
  final Pairing pairing;

  StoreFixture(Path dir) {
    jdbi = HavenStore.open("jdbc:h2:file:" + dir.resolve("haven"), "sa", "");
    StoreSeeder seeder = new StoreSeeder(jdbi);
    primary = seeder.ensureSite("primary", "onprem");
    secondary = seeder.ensureSite("secondary", "onprem");
    source = seeder.ensureHost(primary.id(), "pri-1", "127.0.0.1:9001");
    target = seeder.ensureHost(secondary.id(), "sec-1", "127.0.0.1:9002");
    pairing = seeder.ensureDefaultPairing(primary.id(), secondary.id());
  }

  /** A new item for {@code vmId} in {@code state}, stored. */
  ProtectedItem item(String vmId, String state) {
    String id = Ids.next("item");
    ProtectedItem item =
        new ProtectedItem(
            id,
            vmId,
            pairing.id(),
            source.id(),
            target.id(),
            null,
            state,
            "normal",
            null,
            null,
            null,
            null,
            primary.id(),
            "protect/" + id,
            1_000L,
            1_000L);
    jdbi.useExtension(ProtectedItemDao.class, d -> d.insert(item));
    return item;
  }
}
