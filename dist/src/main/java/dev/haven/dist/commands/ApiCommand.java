package dev.haven.dist.commands;

import dev.haven.api.HavenApiApplication;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code haven api --config api.yml}: the Dropwizard API as its own process. */
@Command(name = "api", description = "Run the HTTP API from its Dropwizard config file.")
public final class ApiCommand implements Callable<Integer> {
  @Option(names = "--config", required = true, description = "the API's YAML config file")
  Path config;

  @Override
  public Integer call() throws Exception {
    // Jetty's threads keep the process alive after run() returns; Jetty stops it on SIGTERM.
    HavenApiApplication app = new HavenApiApplication();
    app.run("server", config.toString());
    System.out.printf("API listening on port %d (/api/v1)%n", app.port());
    return 0;
  }
}
