package dev.haven.dist.commands;

import dev.haven.dist.temporal.TemporalEndpoint;
import dev.haven.dist.temporal.TemporalLauncher;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code haven temporal}: the embedded Temporal alone, for a split deployment on one machine. */
@Command(name = "temporal", description = "Run the embedded Temporal server alone.")
public final class TemporalCommand implements Callable<Integer> {
  @Option(names = "--data", defaultValue = "./haven-data", description = "data folder")
  Path data;

  @Option(
      names = "--temporal",
      defaultValue = "auto",
      description = "auto, dev-server or test-server (default ${DEFAULT-VALUE})")
  String mode;

  @Option(names = "--bind", defaultValue = "127.0.0.1", description = "address to listen on")
  String bind;

  @Option(names = "--port", defaultValue = "7233", description = "frontend port")
  int port;

  @Option(names = "--ui-port", defaultValue = "8233", description = "web UI port (dev server)")
  int uiPort;

  @Override
  public Integer call() throws Exception {
    TemporalEndpoint endpoint =
        new TemporalLauncher(data, bind, port, uiPort, System.out).start(mode);
    System.out.printf(
        "Temporal (%s) at %s%s%n",
        endpoint.kind(), endpoint.target(), endpoint.uiUrl().map(u -> ", web UI " + u).orElse(""));
    ProcessLifetime.runUntilStopped(endpoint);
    return 0;
  }
}
