package dev.haven.dist;

import dev.haven.dist.commands.AgentCommand;
import dev.haven.dist.commands.ApiCommand;
import dev.haven.dist.commands.CertsCommand;
import dev.haven.dist.commands.DemoCommand;
import dev.haven.dist.commands.KeysCommand;
import dev.haven.dist.commands.PlansCommand;
import dev.haven.dist.commands.StandaloneCommand;
import dev.haven.dist.commands.TemporalCommand;
import dev.haven.dist.commands.VmsCommand;
import dev.haven.dist.commands.WorkerCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code haven} launcher: one jar, one subcommand per process or operator verb. */
@Command(
    name = "haven",
    mixinStandardHelpOptions = true,
    version = "haven 0.1.0",
    description = "Disaster recovery for virtual machines on Temporal, gRPC agents and NBD.",
    subcommands = {
      StandaloneCommand.class,
      TemporalCommand.class,
      AgentCommand.class,
      WorkerCommand.class,
      ApiCommand.class,
      DemoCommand.class,
      PlansCommand.class,
      VmsCommand.class,
      CertsCommand.class,
      KeysCommand.class
    })
public final class HavenCli implements Runnable {

  public static void main(String[] args) {
    int code = new CommandLine(new HavenCli()).execute(args);
    if (code != 0) {
      System.exit(code);
    }
  }

  @Override
  public void run() {
    CommandLine.usage(this, System.out);
  }
}
