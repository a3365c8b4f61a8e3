package dev.haven.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreSeederTest {
  @TempDir Path dir;

  @Test
  void R7_seedingTwiceFindsWhatTheFirstRunMade() {
    Jdbi jdbi = HavenStore.open("jdbc:h2:file:" + dir.resolve("haven"), "sa", "");
    StoreSeeder seeder = new StoreSeeder(jdbi);
    Site primary = seeder.ensureSite("primary", "onprem");
    Site secondary = seeder.ensureSite("secondary", "onprem");
    Host host = seeder.ensureHost(primary.id(), "primary-1", "127.0.0.1:7001");
    Pairing pairing = seeder.ensureDefaultPairing(primary.id(), secondary.id());

    assertThat(seeder.ensureSite("primary", "onprem")).isEqualTo(primary);
    assertThat(seeder.ensureHost(primary.id(), "primary-1", "127.0.0.1:7001")).isEqualTo(host);
    assertThat(seeder.ensureDefaultPairing(primary.id(), secondary.id())).isEqualTo(pairing);
    assertThat(seeder.ensureDefaultPolicy().id()).isEqualTo(pairing.policyId());
    assertThat(jdbi.onDemand(SiteDao.class).count()).isEqualTo(2);
    assertThat(jdbi.onDemand(HostDao.class).count()).isEqualTo(1);
    assertThat(jdbi.onDemand(PolicyDao.class).count()).isEqualTo(1);
    assertThat(jdbi.onDemand(PairingDao.class).count()).isEqualTo(1);
  }

  @Test
  void R3_aHostWhoseAgentMovedGetsTheNewAddress() {
    Jdbi jdbi = HavenStore.open("jdbc:h2:file:" + dir.resolve("haven"), "sa", "");
    StoreSeeder seeder = new StoreSeeder(jdbi);
    Site site = seeder.ensureSite("primary", "onprem");
    Host before = seeder.ensureHost(site.id(), "primary-1", "127.0.0.1:7001");

    Host after = seeder.ensureHost(site.id(), "primary-1", "127.0.0.1:7999");

    assertThat(after.id()).isEqualTo(before.id());
    assertThat(after.agentAddress()).isEqualTo("127.0.0.1:7999");
    assertThat(jdbi.onDemand(HostDao.class).find(before.id()))
        .get()
        .extracting(Host::agentAddress)
        .isEqualTo("127.0.0.1:7999");
  }

  @Test
  void R9_theDefaultPolicyHasEveryField() {
    Jdbi jdbi = HavenStore.open("jdbc:h2:file:" + dir.resolve("haven"), "sa", "");

    Policy policy = new StoreSeeder(jdbi).ensureDefaultPolicy();

    assertThat(policy.name()).isEqualTo(StoreSeeder.DEFAULT_POLICY_NAME);
    assertThat(policy.copyFrequencySeconds()).isEqualTo(30);
    assertThat(policy.recoveryPointRetentionHours()).isEqualTo(24);
    assertThat(policy.appConsistentFrequencyHours()).isLessThanOrEqualTo(24);
    assertThat(policy.resyncWindow()).isEqualTo("outside-office-hours");
  }

  @Test
  void R2_aSiteThatExistsWithAnotherKindIsAnError() {
    Jdbi jdbi = HavenStore.open("jdbc:h2:file:" + dir.resolve("haven"), "sa", "");
    StoreSeeder seeder = new StoreSeeder(jdbi);
    seeder.ensureSite("cloud", "cloud");

    assertThatThrownBy(() -> seeder.ensureSite("cloud", "onprem"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("kind cloud");
  }
}
