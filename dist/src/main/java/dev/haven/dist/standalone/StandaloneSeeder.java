package dev.haven.dist.standalone;

import dev.haven.store.Site;
import dev.haven.store.StoreSeeder;
import java.util.List;
import java.util.function.Function;
import org.jdbi.v3.core.Jdbi;

/**
 * Makes the standalone stack's inventory exist from the first start: one on-premises site per agent
 * with its host, the default policy, and a pairing from the primary to the secondary site. Run at
 * every start; it changes nothing that exists except a host's agent address.
 */
final class StandaloneSeeder {
  private StandaloneSeeder() {}

  static void seed(Jdbi jdbi, List<String> sites, Function<String, String> agentAddress) {
    StoreSeeder seeder = new StoreSeeder(jdbi);
    Site primary = null;
    Site secondary = null;
    for (String name : sites) {
      Site site = seeder.ensureSite(name, "onprem");
      seeder.ensureHost(site.id(), name + "-host", agentAddress.apply(name));
      if (name.equals("primary")) {
        primary = site;
      } else if (name.equals("secondary")) {
        secondary = site;
      }
    }
    seeder.ensureDefaultPolicy();
    if (primary != null && secondary != null) {
      seeder.ensureDefaultPairing(primary.id(), secondary.id());
    }
  }

  /**
   * Issue 8: the cloud site with its object store, its host (whose agent is used only at failover)
   * and a pairing primary -> cloud. Run at every start, after {@link #seed}.
   */
  static void seedCloud(Jdbi jdbi, String name, String agentAddress, String storage) {
    StoreSeeder seeder = new StoreSeeder(jdbi);
    Site site = seeder.ensureSite(name, "cloud");
    seeder.ensureHost(site.id(), name + "-host", agentAddress);
    seeder.ensureSiteStorage(site.id(), storage);
    // Protection to the cloud: a pairing from the primary site with the default policy.
    Site primary = seeder.ensureSite("primary", "onprem");
    seeder.ensureDefaultPairing(primary.id(), site.id());
  }
}
