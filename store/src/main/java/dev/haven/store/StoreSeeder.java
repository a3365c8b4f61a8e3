package dev.haven.store;

import java.util.List;
import java.util.Objects;
import org.jdbi.v3.core.Jdbi;

/**
 * Idempotent seeding for the standalone launcher: each {@code ensure…} method finds the row it
 * describes or creates it, so that every start of the stack may call them all again.
 */
public final class StoreSeeder {
  /** The name of the policy that {@link #ensureDefaultPolicy()} creates. */
  public static final String DEFAULT_POLICY_NAME = "default";

  private final Jdbi jdbi;

  public StoreSeeder(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  /**
   * The site called {@code name}, created with {@code kind} ({@code onprem} or {@code cloud}) when
   * missing. A site that exists with another kind is a configuration error, not something to
   * overwrite silently.
   */
  /** Records {@code location} as the object store of cloud site {@code siteId} (issue 8). */
  public void ensureSiteStorage(String siteId, String location) {
    jdbi.useExtension(SiteStorageDao.class, d -> d.put(siteId, location));
  }

  public Site ensureSite(String name, String kind) {
    return jdbi.inTransaction(
        h -> {
          SiteDao sites = h.attach(SiteDao.class);
          Site site = sites.findByName(name).orElse(null);
          if (site == null) {
            site = new Site(Ids.next("site"), name, kind, System.currentTimeMillis());
            sites.insert(site);
          } else if (!site.kind().equals(kind)) {
            throw new IllegalStateException(
                "site '" + name + "' exists with kind " + site.kind() + ", not " + kind);
          }
          return site;
        });
  }

  /**
   * The host called {@code name} in site {@code siteId}, created when missing; an existing host
   * whose agent moved to another address gets the new address.
   */
  public Host ensureHost(String siteId, String name, String agentAddress) {
    return jdbi.inTransaction(
        h -> {
          HostDao hosts = h.attach(HostDao.class);
          Host host = hosts.findBySiteAndName(siteId, name).orElse(null);
          if (host == null) {
            host =
                new Host(Ids.next("host"), siteId, name, agentAddress, System.currentTimeMillis());
            hosts.insert(host);
          } else if (!host.agentAddress().equals(agentAddress)) {
            hosts.updateAgentAddress(host.id(), agentAddress);
            host = new Host(host.id(), siteId, name, agentAddress, host.createdAt());
          }
          return host;
        });
  }

  /**
   * The policy called {@value #DEFAULT_POLICY_NAME}, created when missing with a 30-second copy
   * frequency, 24 hours of recovery points, app-consistent snapshots every 4 hours, initial
   * replication at once, resync outside office hours, compression and encryption on, and replicas
   * kept when protection is disabled. An existing one is returned as it is, operators' edits
   * included.
   */
  public Policy ensureDefaultPolicy() {
    return jdbi.inTransaction(
        h -> {
          PolicyDao policies = h.attach(PolicyDao.class);
          return policies
              .findByName(DEFAULT_POLICY_NAME)
              .orElseGet(
                  () -> {
                    long now = System.currentTimeMillis();
                    Policy policy =
                        new Policy(
                            Ids.next("pol"),
                            DEFAULT_POLICY_NAME,
                            30,
                            24,
                            4,
                            "immediately",
                            "outside-office-hours",
                            true,
                            true,
                            "keep",
                            now,
                            now,
                            "UTC");
                    policies.insert(policy);
                    return policy;
                  });
        });
  }

  /**
   * The pairing from {@code sourceSiteId} to {@code targetSiteId}, created when missing under the
   * default policy ({@link #ensureDefaultPolicy()}) with no network mappings. An existing pairing
   * of the two sites is returned as it is, whatever its policy.
   */
  public Pairing ensureDefaultPairing(String sourceSiteId, String targetSiteId) {
    Objects.requireNonNull(sourceSiteId, "sourceSiteId");
    Objects.requireNonNull(targetSiteId, "targetSiteId");
    Policy policy = ensureDefaultPolicy();
    return jdbi.inTransaction(
        h -> {
          PairingDao pairings = h.attach(PairingDao.class);
          return pairings
              .findBySites(sourceSiteId, targetSiteId)
              .orElseGet(
                  () -> {
                    Pairing pairing =
                        new Pairing(
                            Ids.next("pair"),
                            sourceSiteId,
                            targetSiteId,
                            policy.id(),
                            System.currentTimeMillis());
                    pairings.insert(pairing, List.of());
                    return pairing;
                  });
        });
  }
}
