package dev.haven.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InventoryDaoTest {
  @TempDir Path dir;
  StoreFixture store;

  @BeforeEach
  void setUp() {
    store = new StoreFixture(dir);
  }

  @Test
  void R2_sitesRoundTripAndNamesAreUnique() {
    Site cloud = new Site(Ids.next("site"), "cloud", "cloud", 5L);
    store.jdbi.useExtension(SiteDao.class, d -> d.insert(cloud));

    assertThat(store.jdbi.onDemand(SiteDao.class).find(cloud.id())).contains(cloud);
    assertThat(store.jdbi.onDemand(SiteDao.class).list())
        .extracting(Site::name)
        .containsExactly("cloud", "primary", "secondary");
    Site twin = new Site(Ids.next("site"), "cloud", "onprem", 6L);
    assertThatThrownBy(() -> store.jdbi.useExtension(SiteDao.class, d -> d.insert(twin)))
        .isInstanceOf(UnableToExecuteStatementException.class);
  }

  @Test
  void R3_hostsRoundTripPerSite() {
    Host second = new Host(Ids.next("host"), store.primary.id(), "pri-2", "10.0.0.2:9001", 7L);
    store.jdbi.useExtension(HostDao.class, d -> d.insert(second));

    assertThat(store.jdbi.onDemand(HostDao.class).listBySite(store.primary.id()))
        .containsExactly(store.source, second);
    assertThat(store.jdbi.onDemand(HostDao.class).find(second.id())).contains(second);
    assertThat(store.jdbi.onDemand(HostDao.class).count()).isEqualTo(3);
  }

  @Test
  void R5_theVmDirectoryFollowsWhatAgentsList() {
    VmDirectoryDao vms = store.jdbi.onDemand(VmDirectoryDao.class);
    vms.record("vm-a", store.source.id(), "web", 1L);
    vms.record("vm-b", store.source.id(), "db", 1L);

    vms.replaceHost(store.source.id(), List.of(new VmEntry("vm-b", "ignored", "db-renamed", 2L)));

    assertThat(vms.find("vm-a")).isEmpty();
    assertThat(vms.find("vm-b")).contains(new VmEntry("vm-b", store.source.id(), "db-renamed", 2L));
    vms.record("vm-b", store.target.id(), "db-renamed", 3L);
    assertThat(vms.find("vm-b").orElseThrow().hostId()).isEqualTo(store.target.id());
  }

  @Test
  void R9_policiesRoundTripAndUpdate() {
    PolicyDao policies = store.jdbi.onDemand(PolicyDao.class);
    Policy policy =
        new Policy(
            Ids.next("pol"),
            "gold",
            5,
            72,
            12,
            "immediately",
            "anytime",
            false,
            true,
            "delete",
            1L,
            1L,
            "UTC");
    policies.insert(policy);
    assertThat(policies.find(policy.id())).contains(policy);

    Policy changed =
        new Policy(
            policy.id(),
            "gold",
            60,
            48,
            0,
            "2026-12-01T22:00:00Z",
            "manual",
            true,
            false,
            "keep",
            1L,
            9L,
            "Europe/Lisbon");
    assertThat(policies.update(changed)).isEqualTo(1);

    assertThat(policies.findByName("gold")).contains(changed);
    assertThat(policies.list()).extracting(Policy::name).containsExactly("default", "gold");
  }

  @Test
  void R8_pairingsKeepTheirNetworkMappingsInOrder() {
    Site cloud = new StoreSeeder(store.jdbi).ensureSite("cloud", "cloud");
    PairingDao pairings = store.jdbi.onDemand(PairingDao.class);
    Pairing pairing =
        new Pairing(Ids.next("pair"), store.primary.id(), cloud.id(), store.pairing.policyId(), 3L);
    List<NetworkMapping> mappings =
        List.of(new NetworkMapping("lan", "cloud-lan"), new NetworkMapping("dmz", "cloud-dmz"));

    pairings.insert(pairing, mappings);

    assertThat(pairings.find(pairing.id())).contains(pairing);
    assertThat(pairings.networkMappings(pairing.id())).containsExactlyElementsOf(mappings);
    assertThat(pairings.findBySites(store.primary.id(), cloud.id())).contains(pairing);
    assertThat(pairings.list()).hasSize(2);
  }
}
