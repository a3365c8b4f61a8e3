package dev.haven.api.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.haven.api.error.ApiException;
import dev.haven.protocol.client.AgentChannels;
import dev.haven.store.HavenStore;
import dev.haven.store.JobDao;
import dev.haven.store.Pairing;
import dev.haven.store.ProtectedItemDao;
import dev.haven.store.Site;
import dev.haven.store.StoreSeeder;
import dev.haven.store.VmDirectoryDao;
import io.grpc.InsecureChannelCredentials;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.nio.file.Path;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProtectionServiceTest {
  @TempDir Path dir;

  @Test
  void R10_aWorkflowThatCannotStartLeavesNoRowsAndAnswers503() {
    Jdbi jdbi = HavenStore.open("jdbc:h2:file:" + dir.resolve("haven"), "sa", "");
    StoreSeeder seeder = new StoreSeeder(jdbi);
    Site primary = seeder.ensureSite("primary", "onprem");
    Site secondary = seeder.ensureSite("secondary", "onprem");
    String source = seeder.ensureHost(primary.id(), "p1", "127.0.0.1:1").id();
    seeder.ensureHost(secondary.id(), "s1", "127.0.0.1:2");
    Pairing pairing = seeder.ensureDefaultPairing(primary.id(), secondary.id());
    jdbi.onDemand(VmDirectoryDao.class).record("vm-1", source, "web", 1L);
    // A Temporal frontend that is not there: the client gives up after a few seconds.
    WorkflowServiceStubs nowhere =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget("127.0.0.1:1").build());
    try (AgentChannels channels = new AgentChannels(InsecureChannelCredentials.create())) {
      ProtectionService service =
          new ProtectionService(
              jdbi,
              WorkflowClient.newInstance(nowhere),
              new VmDirectory(jdbi, new AgentGateway(channels)));

      ApiException refused =
          catchThrowableOfType(ApiException.class, () -> service.enable("vm-1", pairing.id()));

      assertThat(refused.status()).isEqualTo(503);
      assertThat(refused.getMessage()).startsWith("could not start the protection workflow");
      assertThat(jdbi.onDemand(ProtectedItemDao.class).count()).isZero();
      assertThat(jdbi.onDemand(JobDao.class).count()).isZero();
    } finally {
      nowhere.shutdownNow();
    }
  }
}
