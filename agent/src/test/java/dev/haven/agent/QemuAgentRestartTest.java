package dev.haven.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.protocol.CreateVmRequest;
import dev.haven.protocol.SetPowerRequest;
import dev.haven.protocol.Vm;
import dev.haven.protocol.VmRef;
import dev.haven.protocol.client.AgentChannels;
import dev.haven.protocol.tls.CertificateAuthority;
import dev.haven.protocol.tls.TlsFiles;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R5 with the QEMU hypervisor, through the agent's gRPC API over mutual TLS: a powered-on VM runs a
 * real QEMU guest; the host going down (agent closed) stops it while the VM stays marked on; the
 * host coming back runs the guest again; a guest that dies is reported off with its reason.
 */
class QemuAgentRestartTest {
  @TempDir Path root;

  @Test
  void R5_aHostThatComesBackRunsItsGuestsAgainAndReportsOneThatDies() throws Exception {
    CertificateAuthority ca = CertificateAuthority.loadOrCreate(root.resolve("ca"));
    TlsFiles tls = ca.issue(root.resolve("tls"), "agent-q", List.of());
    AgentConfig config =
        new AgentConfig(
            "host-q",
            "primary",
            root.resolve("data"),
            "127.0.0.1",
            TwoAgents.freePort(),
            "127.0.0.1",
            TwoAgents.freePort(),
            tls,
            "qemu",
            "tcg");
    TlsFiles worker = ca.issue(root.resolve("worker"), "worker", List.of());
    try (AgentChannels channels = new AgentChannels(worker.channelCredentials())) {
      AgentServer agent = AgentServer.start(config);
      String vmId;
      try {
        Vm vm =
            stub(channels, agent)
                .createVm(
                    CreateVmRequest.newBuilder()
                        .setName("fw")
                        .setCpus(1)
                        .setMemoryMib(64)
                        .addDiskSizeBytes(1 << 20)
                        .build());
        vmId = vm.getId();
        stub(channels, agent)
            .setPower(SetPowerRequest.newBuilder().setVmId(vmId).setOn(true).build());
        assertThat(qemuOf(vmId)).isPresent();
      } finally {
        agent.close();
      }
      // The host went down: its guest stopped with it.
      assertThat(qemuOf(vmId)).isEmpty();

      agent = AgentServer.start(config);
      try {
        assertThat(stub(channels, agent).getVm(ref(vmId)).getPowerState()).isEqualTo("on");
        ProcessHandle qemu = qemuOf(vmId).orElseThrow();

        qemu.destroyForcibly();
        Vm off = null;
        for (int i = 0; i < 600 && off == null; i++) {
          Vm now = stub(channels, agent).getVm(ref(vmId));
          if (now.getPowerState().equals("off")) {
            off = now;
          } else {
            Thread.sleep(100);
          }
        }
        assertThat(off).as("the VM is reported off").isNotNull();
        assertThat(off.getPowerReason()).contains("killed");
        assertThat(off.getDisks(0).getNbdUri()).isEmpty();
      } finally {
        agent.close();
      }
    }
  }

  private static dev.haven.protocol.AgentServiceGrpc.AgentServiceBlockingStub stub(
      AgentChannels channels, AgentServer agent) {
    return channels.agent(agent.grpcAddress()).withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  private static VmRef ref(String vmId) {
    return VmRef.newBuilder().setVmId(vmId).build();
  }

  private static Optional<ProcessHandle> qemuOf(String vmId) {
    return ProcessHandle.current()
        .descendants()
        .filter(ProcessHandle::isAlive)
        .filter(p -> p.info().commandLine().orElse("").contains("haven-" + vmId))
        .findFirst();
  }
}
