package dev.haven.dist.commands;

import dev.haven.worker.WorkerMain;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code haven worker --config worker.yml}: a Temporal worker as its own process. */
@Command(name = "worker", description = "Run a Temporal worker from its config file.")
public final class WorkerCommand implements Callable<Integer> {
  @Option(names = "--config", required = true, description = "the worker's YAML config file")
  Path config;

  @Override
  public Integer call() throws Exception {
    WorkerMain.run(config);
    return 0;
  }
}
