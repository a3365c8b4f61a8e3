package dev.haven.dist;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.haven.dist.client.DemoScenario;
import dev.haven.dist.client.HavenApiClient;
import dev.haven.dist.client.QemuIo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The backbone end to end, as a user runs it: {@code haven standalone} as a real process, driven
 * only through the HTTP API and a real NBD client (qemu-io, qemu-img). A VM's 64 MiB disk is
 * written, protected while the guest keeps writing, the stack is stopped with SIGTERM in the middle
 * of delta replication and started again, and a planned failover brings the replica up at the
 * secondary site with exactly the bytes the guest wrote.
 */
class StandaloneEndToEndTest {
  private static final Duration WAIT = Duration.ofMinutes(3);

  @TempDir Path tmp;

  @Test
  void R17_plannedFailoverAfterRestartLosesNoByte() throws Exception {
    Path data = tmp.resolve("haven-data");
    try (StandaloneProcess stack = new StandaloneProcess(data)) {
      stack.start(WAIT);
      HavenApiClient api = new HavenApiClient(stack.apiUrl());
      DemoScenario user = new DemoScenario(api, System.out, 42);

      user.createVm(5);
      user.write(300);
      user.protect();
      // A failover while protection is still being enabled is refused and stores nothing.
      int jobsBefore = api.get("/jobs").size();
      HavenApiClient.Response early =
          api.raw(
              "POST",
              "/protected-items/" + user.itemId() + "/failover",
              "{\"type\":\"planned\",\"recoveryPoint\":\"latest\"}");
      assertThat(early.status()).as(early.body()).isEqualTo(409);
      assertThat(api.get("/jobs").size()).isEqualTo(jobsBefore);
      // The guest keeps writing during the initial copy.
      user.write(200);
      user.awaitItem(i -> i.path("state").asText().equals("protected"), WAIT);
      user.write(200);
      user.awaitRecoveryPoints(3, WAIT);

      // Quiet guest: once a recovery point newer than the last write exists, the replica image
      // equals what the guest wrote.
      String written = user.model().sha256();
      awaitReplicaFile(data, user, written);

      // Restart in the middle of delta replication.
      JsonNode pointsBefore = api.get("/protected-items/" + user.itemId() + "/recovery-points");
      JsonNode jobsBeforeRestart = api.get("/jobs");
      user.write(50);
      assertThat(stack.stop()).isIn(0, 143);
      stack.start(WAIT);

      JsonNode pointsAfter = api.get("/protected-items/" + user.itemId() + "/recovery-points");
      assertThat(ids(pointsAfter)).containsAll(ids(pointsBefore));
      assertThat(ids(api.get("/jobs"))).containsAll(ids(jobsBeforeRestart));
      assertThat(api.get("/vms/" + user.vmId()).get("powerState").asText()).isEqualTo("on");
      JsonNode resumed = api.get("/protected-items/" + user.itemId());
      assertThat(resumed.get("state").asText()).isEqualTo("protected");

      // Replication resumes from the last applied log: the next point follows the last one.
      long lastSeq = seq(pointsAfter.get(0).get("id").asText());
      user.awaitRecoveryPoints(pointsAfter.size() + 1, WAIT);
      JsonNode newest = api.get("/protected-items/" + user.itemId() + "/recovery-points").get(0);
      assertThat(seq(newest.get("id").asText())).isGreaterThan(lastSeq);
      assertThat(onlyOneEnableJob(api.get("/jobs"))).isTrue();

      user.write(100);
      JsonNode job = user.plannedFailover(WAIT);
      assertThat(job.get("state").asText()).as(job.toString()).isEqualTo("succeeded");

      String guest = user.model().sha256();
      String replica = user.replicaSha256(tmp);
      Path sourceImage = image(data.resolve("agents/primary"), user.vmId());
      assertThat(QemuIo.sha256OfFile(sourceImage)).isEqualTo(guest);
      assertThat(replica).isEqualTo(guest);
      JsonNode item = api.get("/protected-items/" + user.itemId());
      assertThat(item.get("state").asText()).isEqualTo("failed-over");
    }
  }

  private static void awaitReplicaFile(Path data, DemoScenario user, String expected)
      throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    Path secondary = data.resolve("agents/secondary");
    String last = "";
    while (System.nanoTime() < deadline) {
      Path replica = replicaImage(secondary, user.itemId());
      if (replica != null) {
        last = QemuIo.sha256OfFile(replica);
        if (last.equals(expected)) {
          return;
        }
      }
      Thread.sleep(500);
    }
    throw new AssertionError("replica never reached the guest's bytes; last hash " + last);
  }

  /** The replica's image: the one disk of the VM folder at the secondary site. */
  private static Path replicaImage(Path agentDir, String itemId) throws Exception {
    try (Stream<Path> files = Files.walk(agentDir.resolve("vms"))) {
      List<Path> images = files.filter(p -> p.toString().endsWith(".img")).toList();
      return images.size() == 1 ? images.get(0) : null;
    }
  }

  private static Path image(Path agentDir, String vmId) throws Exception {
    try (Stream<Path> files = Files.list(agentDir.resolve("vms").resolve(vmId))) {
      return files.filter(p -> p.toString().endsWith(".img")).findFirst().orElseThrow();
    }
  }

  private static List<String> ids(JsonNode array) {
    List<String> ids = new ArrayList<>();
    array.forEach(n -> ids.add(n.get("id").asText()));
    return ids;
  }

  private static long seq(String recoveryPointId) {
    return Long.parseLong(recoveryPointId.substring(recoveryPointId.lastIndexOf('-') + 1));
  }

  private static boolean onlyOneEnableJob(JsonNode jobs) {
    int count = 0;
    for (JsonNode job : jobs) {
      if (job.get("type").asText().equals("enable-protection")) {
        count++;
      }
    }
    return count == 1;
  }
}
