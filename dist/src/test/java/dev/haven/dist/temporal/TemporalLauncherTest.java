package dev.haven.dist.temporal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the standalone stack picks its Temporal: {@code --temporal auto|…|HOST:PORT}. */
class TemporalLauncherTest {
  @TempDir Path data;

  @Test
  void D2_testServerServesRealClientsOnItsPort() throws Exception {
    int port = freePort();
    try (TemporalEndpoint endpoint =
        launcher(port, new ByteArrayOutputStream()).start("test-server")) {
      assertThat(endpoint.kind()).isEqualTo("test-server");
      assertThat(endpoint.target()).isEqualTo("127.0.0.1:" + port);
      assertThat(endpoint.uiUrl()).isEmpty();
      assertReachable(endpoint);
    }
  }

  @Test
  void D2_autoSaysWhichTemporalItChoseAndFallsBackToTheTestServer() throws Exception {
    // This machine has no temporal binary and cannot download one, so the dev server fails and
    // auto must fall back; on a machine where it starts, auto must name the dev server and its UI.
    ByteArrayOutputStream said = new ByteArrayOutputStream();
    try (TemporalEndpoint endpoint = launcher(freePort(), said).start("auto")) {
      String out = said.toString(StandardCharsets.UTF_8);
      if (endpoint.kind().equals("test-server")) {
        assertThat(out).contains("falling back to the in-process test server");
      } else {
        assertThat(endpoint.kind()).isEqualTo("dev-server");
        assertThat(endpoint.uiUrl()).isPresent();
      }
      assertReachable(endpoint);
    }
  }

  @Test
  void externalTargetIsUsedAsGivenAndMalformedOnesAreRefused() throws Exception {
    try (TemporalEndpoint endpoint = launcher(7233, new ByteArrayOutputStream()).start("t:7233")) {
      assertThat(endpoint.kind()).isEqualTo("external");
      assertThat(endpoint.target()).isEqualTo("t:7233");
    }
    assertThatThrownBy(() -> launcher(7233, new ByteArrayOutputStream()).start("nonsense"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--temporal must be auto, dev-server, test-server or HOST:PORT");
  }

  private TemporalLauncher launcher(int port, ByteArrayOutputStream out) {
    return new TemporalLauncher(
        data, "127.0.0.1", port, freePortUnchecked(), new PrintStream(out, true));
  }

  private static void assertReachable(TemporalEndpoint endpoint) {
    WorkflowServiceStubs stubs =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(endpoint.target()).build());
    try {
      assertThat(
              stubs
                  .blockingStub()
                  .getSystemInfo(GetSystemInfoRequest.getDefaultInstance())
                  .hasCapabilities())
          .isTrue();
    } finally {
      stubs.shutdownNow();
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static int freePortUnchecked() {
    try {
      return freePort();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
