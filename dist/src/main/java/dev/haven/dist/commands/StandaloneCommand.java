package dev.haven.dist.commands;

import dev.haven.dist.standalone.StandaloneOptions;
import dev.haven.dist.standalone.StandalonePorts;
import dev.haven.dist.standalone.StandaloneStack;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code haven standalone}: the embedded default in one JVM — Temporal, the worker, the API on an
 * H2 file, and agents for the primary and secondary sites — until SIGTERM.
 */
@Command(name = "standalone", description = "Run the whole stack in one process (the default).")
public final class StandaloneCommand implements Callable<Integer> {
  @Option(names = "--data", defaultValue = "./haven-data", description = "data folder")
  Path data;

  @Option(
      names = "--temporal",
      defaultValue = "auto",
      description = "auto, dev-server, test-server or HOST:PORT (default ${DEFAULT-VALUE})")
  String temporal;

  @Option(names = "--bind", defaultValue = "127.0.0.1", description = "address to listen on")
  String bind;

  @Option(names = "--api-port", defaultValue = "8080")
  int apiPort;

  @Option(names = "--temporal-port", defaultValue = "7233")
  int temporalPort;

  @Option(names = "--temporal-ui-port", defaultValue = "8233")
  int temporalUiPort;

  @Option(names = "--agent-port-base", defaultValue = "7401", description = "gRPC ports from")
  int agentPortBase;

  @Option(names = "--nbd-port-base", defaultValue = "10809", description = "NBD ports from")
  int nbdPortBase;

  @Option(
      names = "--hypervisor",
      defaultValue = "file",
      description = "the agents' hypervisor: file (disks only) or qemu (real guests)")
  String hypervisor;

  @Override
  public Integer call() throws Exception {
    StandaloneOptions options =
        new StandaloneOptions(
            data,
            temporal,
            bind,
            new StandalonePorts(apiPort, temporalPort, temporalUiPort, agentPortBase, nbdPortBase),
            hypervisor);
    StandaloneStack stack = StandaloneStack.start(options, System.out);
    ProcessLifetime.runUntilStopped(stack);
    return 0;
  }
}
