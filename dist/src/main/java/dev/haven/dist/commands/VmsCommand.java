package dev.haven.dist.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.haven.dist.client.ApiException;
import dev.haven.dist.client.HavenApiClient;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code haven vms …}: VM verbs over the API that the JSON client cannot express. */
@Command(
    name = "vms",
    mixinStandardHelpOptions = true,
    description = "Virtual machines over the API.",
    subcommands = {VmsCommand.Import.class})
public final class VmsCommand implements Runnable {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(names = "--api", defaultValue = "http://127.0.0.1:8080", description = "API base URL")
  String apiUrl;

  @Override
  public void run() {
    picocli.CommandLine.usage(this, System.out);
  }

  /**
   * {@code haven vms import --host H --name N FILE}: uploads a raw or qcow2 image (R5 import by
   * upload), streamed from the file, and prints the created VM; an error prints the API's message
   * and exits 1.
   */
  @Command(name = "import", description = "Create a VM on a host from a raw or qcow2 image file.")
  static final class Import implements Callable<Integer> {
    @ParentCommand VmsCommand parent;

    @Option(names = "--host", required = true, description = "host id or name")
    String host;

    @Option(names = "--name", required = true, description = "the new VM's name")
    String name;

    @Option(names = "--cpus", defaultValue = "1")
    int cpus;

    @Option(names = "--memory-mib", defaultValue = "1024")
    int memoryMiB;

    @Option(names = "--network", description = "a network of the VM (repeatable)")
    List<String> networks = List.of();

    @Parameters(index = "0", description = "the raw or qcow2 image to upload")
    Path image;

    @Override
    public Integer call() throws Exception {
      if (!Files.isRegularFile(image)) {
        System.err.println(image + " is not a file");
        return 1;
      }
      HavenApiClient api = new HavenApiClient(parent.apiUrl);
      try {
        String hostId = hostId(api);
        if (hostId == null) {
          System.err.println("no host has the id or name '" + host + "'");
          return 1;
        }
        StringBuilder query =
            new StringBuilder("?name=")
                .append(encode(name))
                .append("&cpus=")
                .append(cpus)
                .append("&memoryMiB=")
                .append(memoryMiB);
        networks.forEach(n -> query.append("&networks=").append(encode(n)));
        JsonNode vm = api.upload("/hosts/" + hostId + "/vms/import" + query, image);
        System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(vm));
        return 0;
      } catch (ApiException e) {
        // The API's own words, as the other verbs print them.
        System.err.println(message(e));
        return 1;
      }
    }

    private String hostId(HavenApiClient api) {
      for (JsonNode h : api.get("/hosts")) {
        if (h.path("id").asText().equals(host) || h.path("name").asText().equals(host)) {
          return h.path("id").asText();
        }
      }
      return null;
    }

    private static String message(ApiException e) {
      try {
        return JSON.readTree(e.body()).path("message").asText(e.getMessage());
      } catch (java.io.IOException | RuntimeException notJson) {
        return e.getMessage();
      }
    }

    private static String encode(String value) {
      return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
  }
}
