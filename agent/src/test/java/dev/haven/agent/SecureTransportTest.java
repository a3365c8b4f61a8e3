package dev.haven.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.haven.protocol.AgentServiceGrpc;
import dev.haven.protocol.GetInfoRequest;
import dev.haven.protocol.client.AgentChannels;
import dev.haven.protocol.tls.CertificateAuthority;
import dev.haven.protocol.tls.TlsFiles;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** R4: every agent connection is mutual TLS, and only the deployment's CA is trusted. */
class SecureTransportTest {
  @TempDir static Path root;
  static TwoAgents agents;

  @BeforeAll
  static void start() throws Exception {
    agents = TwoAgents.start(root);
  }

  @AfterAll
  static void stop() {
    agents.close();
  }

  @Test
  void R4_agentAnswersPeerWhoseCertificateItsCaSigned() {
    assertThat(agents.agentA().getInfo(GetInfoRequest.getDefaultInstance()).getSite())
        .isEqualTo("primary");
  }

  @Test
  void R4_agentRefusesPeerWhoseCertificateAnotherCaSigned() throws Exception {
    CertificateAuthority other = CertificateAuthority.loadOrCreate(root.resolve("other-ca"));
    TlsFiles intruder = other.issue(root.resolve("intruder"), "intruder", List.of());
    // The intruder even trusts the real CA, so only its own certificate is at fault.
    ChannelCredentials credentials =
        TlsChannelCredentials.newBuilder()
            .keyManager(intruder.cert().toFile(), intruder.key().toFile())
            .trustManager(agents.ca.certFile().toFile())
            .build();
    assertRefused(credentials);
  }

  @Test
  void R4_agentRefusesPeerWithoutCertificate() throws Exception {
    assertRefused(
        TlsChannelCredentials.newBuilder().trustManager(agents.ca.certFile().toFile()).build());
    assertRefused(InsecureChannelCredentials.create());
  }

  @Test
  void R4_peerRefusesAgentWhoseCertificateAnotherCaSigned() throws Exception {
    CertificateAuthority other = CertificateAuthority.loadOrCreate(root.resolve("rogue-ca"));
    TlsFiles rogueTls = other.issue(root.resolve("rogue"), "agent-rogue", List.of());
    AgentConfig config =
        new AgentConfig(
            "host-rogue",
            "rogue",
            root.resolve("rogue-data"),
            "127.0.0.1",
            0,
            "127.0.0.1",
            0,
            rogueTls);
    try (AgentServer rogue = AgentServer.start(config, false);
        AgentChannels client =
            new AgentChannels(
                agents.ca.issue(root.resolve("w2"), "worker2", List.of()).channelCredentials())) {
      Throwable error =
          catchThrowable(
              () ->
                  client
                      .agent(rogue.grpcAddress())
                      .withDeadlineAfter(10, TimeUnit.SECONDS)
                      .getInfo(GetInfoRequest.getDefaultInstance()));
      assertThat(error).isInstanceOf(StatusRuntimeException.class);
      assertThat(((StatusRuntimeException) error).getStatus().getCode())
          .isEqualTo(Status.Code.UNAVAILABLE);
    }
  }

  private static void assertRefused(ChannelCredentials credentials) throws Exception {
    ManagedChannel channel = Grpc.newChannelBuilder(agents.a.grpcAddress(), credentials).build();
    try {
      Throwable error =
          catchThrowable(
              () ->
                  AgentServiceGrpc.newBlockingStub(channel)
                      .withDeadlineAfter(10, TimeUnit.SECONDS)
                      .getInfo(GetInfoRequest.getDefaultInstance()));
      assertThat(error).isInstanceOf(StatusRuntimeException.class);
      assertThat(((StatusRuntimeException) error).getStatus().getCode())
          .isEqualTo(Status.Code.UNAVAILABLE);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
