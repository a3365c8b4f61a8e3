package dev.haven.dist.commands;

import dev.haven.dist.client.DemoScenario;
import dev.haven.dist.client.HavenApiClient;
import dev.haven.dist.guest.DemoGuest;
import dev.haven.dist.guest.GuestDemo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code haven demo}: the whole loop against a running standalone stack, with progress: a VM with a
 * 64 MiB disk, guest writes through qemu-io, protection, more writes, a planned failover, and the
 * hash of the replica's disk read over NBD beside the hash of what the guest wrote.
 */
@Command(name = "demo", description = "Protect a VM and fail it over on a running stack.")
public final class DemoCommand implements Callable<Integer> {
  @Option(names = "--api", defaultValue = "http://127.0.0.1:8080", description = "API base URL")
  String apiUrl;

  @Option(names = "--copy-frequency", defaultValue = "5", description = "seconds between cycles")
  int copyFrequency;

  @Option(
      names = "--qemu",
      description =
          "a real guest: the stack runs QEMU (haven standalone --hypervisor qemu); the demo guest"
              + " boots, fails over and reports what it found on its disk")
  boolean qemu;

  @Option(
      names = "--data",
      defaultValue = "./haven-data",
      description = "the standalone stack's data folder (with --qemu: where the consoles are)")
  Path data;

  @Option(names = "--guest-cache", description = "where the demo guest is built")
  Path guestCache;

  @Override
  public Integer call() throws Exception {
    if (qemu) {
      return new GuestDemo(new HavenApiClient(apiUrl), System.out, data)
          .run(copyFrequency, guestCache != null ? guestCache : DemoGuest.defaultCache());
    }
    DemoScenario demo = new DemoScenario(new HavenApiClient(apiUrl), System.out, System.nanoTime());
    demo.createVm(copyFrequency);
    demo.write(200);
    demo.protect();
    demo.write(100);
    demo.awaitItem(i -> i.path("state").asText().equals("protected"), Duration.ofMinutes(10));
    demo.write(100);
    demo.awaitRecoveryPoints(2, Duration.ofMinutes(2));
    var job = demo.plannedFailover(Duration.ofMinutes(10));
    if (!job.path("state").asText().equals("succeeded")) {
      System.out.println("failover did not succeed: " + job);
      return 1;
    }
    Path scratch = Files.createTempDirectory("haven-demo");
    String replica = demo.replicaSha256(scratch);
    String guest = demo.model().sha256();
    System.out.println("source disk at shutdown (what the guest wrote): " + guest);
    System.out.println("replica disk at secondary, read over NBD:       " + replica);
    System.out.println(guest.equals(replica) ? "equal: no byte lost" : "DIFFERENT");
    Files.deleteIfExists(scratch);
    return guest.equals(replica) ? 0 : 1;
  }
}
