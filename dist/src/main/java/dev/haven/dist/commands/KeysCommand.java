package dev.haven.dist.commands;

import dev.haven.cloud.crypto.VaultKeyring;
import dev.haven.dist.keys.KeyringFiles;
import dev.haven.dist.keys.OperatorStores;
import dev.haven.dist.keys.VaultKeyRotation;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code haven keys …}: the vault keyring of cloud sites (issue 8). {@code rotate} adds a fresh key
 * and rewraps every protected item's data key under it without re-sending data; {@code list} shows
 * the key ids. Key material is never printed. An error prints one line and exits 1, with nothing
 * changed when it is found before the new key is saved.
 */
@Command(
    name = "keys",
    mixinStandardHelpOptions = true,
    description = "Rotate and list the vault keys that wrap cloud sites' data keys.",
    subcommands = {KeysCommand.Rotate.class, KeysCommand.ListKeys.class})
public final class KeysCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(
      name = "rotate",
      mixinStandardHelpOptions = true,
      description = "Add a new current vault key and rewrap every data key in the stores under it.")
  static final class Rotate implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--keyring", required = true, description = "the vault keyring file")
    Path keyring;

    @Option(
        names = "--store",
        required = true,
        description =
            "an object store the keyring serves (folder, file:///…, s3://…, azure://…);"
                + " repeat for each")
    List<String> stores;

    @Option(
        names = "--retire-old",
        description = "afterwards, remove the old keys that no data key in the stores uses")
    boolean retireOld;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try (OperatorStores open = OperatorStores.open(stores)) {
        new VaultKeyRotation(keyring, out).rotate(open, retireOld);
        return 0;
      } catch (IOException | RuntimeException e) {
        return fail(spec, "rotate", e);
      }
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "List the keyring's key ids and which is current (never the keys).")
  static final class ListKeys implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--keyring", required = true, description = "the vault keyring file")
    Path keyring;

    @Option(
        names = "--store",
        description = "also count the data keys each key wraps in this store; repeatable")
    List<String> stores = List.of();

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try {
        VaultKeyring keys = KeyringFiles.read(keyring);
        Map<String, Integer> usage = stores.isEmpty() ? null : usage(stores);
        for (String id : keys.ids()) {
          StringBuilder line = new StringBuilder(id);
          if (id.equals(keys.currentId())) {
            line.append(" current");
          }
          if (usage != null) {
            line.append(" wraps ").append(usage.getOrDefault(id, 0)).append(" data keys");
          }
          out.println(line);
        }
        if (usage != null) {
          usage.keySet().stream()
              .filter(id -> !keys.ids().contains(id))
              .forEach(
                  id ->
                      out.printf(
                          "missing key %s wraps %d data keys: this keyring cannot read them%n",
                          id, usage.get(id)));
        }
        out.flush();
        return 0;
      } catch (IOException | RuntimeException e) {
        return fail(spec, "list", e);
      }
    }
  }

  private static Map<String, Integer> usage(List<String> locations) throws IOException {
    try (OperatorStores open = OperatorStores.open(locations)) {
      return VaultKeyRotation.usage(open);
    }
  }

  private static int fail(CommandSpec spec, String verb, Exception e) {
    PrintWriter err = spec.commandLine().getErr();
    err.println("haven keys " + verb + ": " + e.getMessage());
    err.flush();
    return 1;
  }
}
