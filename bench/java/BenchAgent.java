import dev.haven.protocol.CreateVmRequest;
import dev.haven.protocol.DiskMapping;
import dev.haven.protocol.SetPowerRequest;
import dev.haven.protocol.StartReplicationRequest;
import dev.haven.protocol.Vm;
import dev.haven.protocol.client.AgentChannels;
import dev.haven.protocol.tls.CertificateAuthority;
import dev.haven.protocol.tls.TlsFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The benchmarks' helper for talking to a Haven agent, run from source with the Haven jar on the
 * class path ({@code java -cp haven.jar bench/java/BenchAgent.java COMMAND …}).
 *
 * <ul>
 *   <li>{@code config DIR NAME GRPC_PORT NBD_PORT}: makes a CA and certificates under DIR and writes
 *       DIR/NAME.json, an agent config that AgentMain and {@code haven agent --config} both read.
 *   <li>{@code tracked-vm DIR GRPC_ADDRESS SIZE_BYTES}: creates a VM with one disk, powers it on
 *       and starts replication to a target that does not need to exist, so that every guest write
 *       goes through the change log; prints the disk id (the NBD export name).
 * </ul>
 */
public final class BenchAgent {
  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "config" -> config(Path.of(args[1]), args[2], args[3], args[4]);
      case "tracked-vm" -> trackedVm(Path.of(args[1]), args[2], Long.parseLong(args[3]));
      default -> throw new IllegalArgumentException("unknown command " + args[0]);
    }
  }

  private static void config(Path dir, String name, String grpcPort, String nbdPort)
      throws Exception {
    CertificateAuthority ca = CertificateAuthority.loadOrCreate(dir.resolve("ca"));
    TlsFiles agent = ca.issue(dir.resolve(name + "-tls"), "agent", List.of("127.0.0.1"));
    ca.issue(dir.resolve("client-tls"), "client", List.of());
    String json =
        String.format(
            "{\"hostName\": \"%s\", \"site\": \"bench\", \"dataDir\": \"%s\",%n"
                + " \"grpc\": \"127.0.0.1:%s\", \"nbd\": \"127.0.0.1:%s\",%n"
                + " \"tls\": {\"caCert\": \"%s\", \"cert\": \"%s\", \"key\": \"%s\"}}%n",
            name,
            dir.resolve(name + "-data").toAbsolutePath(),
            grpcPort,
            nbdPort,
            agent.caCert().toAbsolutePath(),
            agent.cert().toAbsolutePath(),
            agent.key().toAbsolutePath());
    Files.writeString(dir.resolve(name + ".json"), json);
  }

  private static void trackedVm(Path dir, String address, long size) throws Exception {
    TlsFiles client = TlsFiles.in(dir.resolve("client-tls"), "client");
    try (AgentChannels channels = new AgentChannels(client.channelCredentials())) {
      var agent = channels.agent(address).withDeadlineAfter(60, TimeUnit.SECONDS);
      Vm vm =
          agent.createVm(
              CreateVmRequest.newBuilder()
                  .setName("bench")
                  .setCpus(1)
                  .setMemoryMib(512)
                  .addDiskSizeBytes(size)
                  .build());
      String diskId = vm.getDisks(0).getId();
      agent.setPower(SetPowerRequest.newBuilder().setVmId(vm.getId()).setOn(true).build());
      agent.startReplication(
          StartReplicationRequest.newBuilder()
              .setItemId("item-bench-" + vm.getId().substring(3))
              .setVmId(vm.getId())
              .setTargetAddress("127.0.0.1:1")
              .setReplicaVmId("vm-00000000")
              .addDisks(
                  DiskMapping.newBuilder()
                      .setSourceDiskId(diskId)
                      .setReplicaDiskId("disk-00000000"))
              .build());
      System.out.println(diskId);
    }
  }
}
