package dev.haven.dist.commands;

import dev.haven.agent.AgentConfig;
import dev.haven.agent.AgentServer;
import dev.haven.dist.config.AgentFileConfig;
import dev.haven.dist.config.ConfigFiles;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code haven agent --config agent.yml}: one host agent as its own process. */
@Command(name = "agent", description = "Run a host agent from its config file.")
public final class AgentCommand implements Callable<Integer> {
  @Option(names = "--config", required = true, description = "the agent's YAML config file")
  Path config;

  @Option(
      names = "--hypervisor",
      description = "file or qemu: overrides the config file's hypervisor (default file)")
  String hypervisor;

  @Override
  public Integer call() throws Exception {
    AgentFileConfig file = ConfigFiles.read(config, AgentFileConfig.class);
    AgentConfig agentConfig = file.toAgentConfig();
    if (hypervisor != null) {
      agentConfig = agentConfig.withHypervisor(hypervisor);
    }
    AgentServer server = AgentServer.start(agentConfig);
    System.out.printf(
        "agent %s (site %s) listening: gRPC %s, NBD %s%n",
        file.hostName(), file.site(), server.grpcAddress(), server.nbdAddress());
    ProcessLifetime.runUntilStopped(server);
    return 0;
  }
}
