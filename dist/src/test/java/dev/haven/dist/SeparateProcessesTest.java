package dev.haven.dist;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.haven.dist.client.DemoScenario;
import dev.haven.dist.client.HavenApiClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The parts of Haven as separate processes, each from the config file that a first standalone run
 * wrote: {@code haven temporal}, two {@code haven agent}, {@code haven worker} and {@code haven
 * api}. A VM is protected and failed over through them, so replication crosses real agent processes
 * over mutual TLS and the API and worker share the store from two JVMs.
 */
class SeparateProcessesTest {
  private static final Duration WAIT = Duration.ofMinutes(2);

  @TempDir Path tmp;

  @Test
  void R3_partsRunAsSeparateProcessesFromTheirConfigFiles() throws Exception {
    Path data = tmp.resolve("haven-data");
    StandaloneProcess first = new StandaloneProcess(data);
    first.start(WAIT);
    first.stop();

    List<HavenProcess> parts = new ArrayList<>();
    try {
      parts.add(
          part(
              "temporal",
              "Temporal (test-server)",
              "temporal",
              "--temporal",
              "test-server",
              "--port",
              String.valueOf(first.temporalPort)));
      for (String site : List.of("primary", "secondary", "cloud")) {
        String config = data.resolve("agents/" + site + "/agent.yml").toString();
        parts.add(part("agent-" + site, "listening", "agent", "--config", config));
      }
      String workerConfig = data.resolve("worker/worker.yml").toString();
      parts.add(part("worker", "Haven worker polls", "worker", "--config", workerConfig));
      String apiConfig = data.resolve("api/api.yml").toString();
      parts.add(part("api", "API listening", "api", "--config", apiConfig));

      HavenApiClient api = new HavenApiClient(first.apiUrl());
      for (JsonNode site : api.get("/sites")) {
        JsonNode host = api.get("/sites/" + site.get("id").asText() + "/hosts").get(0);
        assertThat(reachable(api, host.get("id").asText()))
            .as("agent of site %s reachable over mutual TLS", site.get("name"))
            .isTrue();
      }

      DemoScenario user = new DemoScenario(api, System.out, 7);
      user.createVm(5);
      user.write(100);
      user.protect();
      user.awaitItem(i -> i.path("state").asText().equals("protected"), WAIT);
      user.write(50);
      JsonNode job = user.plannedFailover(WAIT);
      assertThat(job.get("state").asText()).as(job.toString()).isEqualTo("succeeded");
      assertThat(user.replicaSha256(tmp)).isEqualTo(user.model().sha256());
    } finally {
      for (int i = parts.size() - 1; i >= 0; i--) {
        parts.get(i).close();
      }
    }
  }

  /**
   * Whether the API reaches the host's agent. The API gives that call a 2-second deadline, and a
   * fresh agent JVM on a loaded machine may need a few tries before its first answer is that fast.
   */
  private static boolean reachable(HavenApiClient api, String hostId) throws Exception {
    for (int attempt = 0; attempt < 20; attempt++) {
      if (api.get("/hosts/" + hostId).get("reachable").asBoolean()) {
        return true;
      }
      Thread.sleep(500);
    }
    return false;
  }

  private HavenProcess part(String name, String ready, String... args) throws Exception {
    return new HavenProcess(tmp.resolve(name + ".log"), List.of(args)).start(ready, WAIT);
  }
}
