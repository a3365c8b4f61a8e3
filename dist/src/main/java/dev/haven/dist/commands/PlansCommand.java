package dev.haven.dist.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.haven.dist.client.HavenApiClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code haven plans …}: recovery plans (R18) over the API. Each verb prints the API's JSON answer;
 * an error prints the API's message and exits 1.
 */
@Command(
    name = "plans",
    mixinStandardHelpOptions = true,
    description = "List, submit and run recovery plans over the API.",
    subcommands = {
      PlansCommand.ListPlans.class,
      PlansCommand.Show.class,
      PlansCommand.Submit.class,
      PlansCommand.Failover.class,
      PlansCommand.TestCleanup.class,
      PlansCommand.Report.class,
      PlansCommand.Resume.class,
      PlansCommand.Cancel.class,
      PlansCommand.Delete.class
    })
public final class PlansCommand implements Runnable {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(names = "--api", defaultValue = "http://127.0.0.1:8080", description = "API base URL")
  String apiUrl;

  @Override
  public void run() {
    picocli.CommandLine.usage(this, System.out);
  }

  HavenApiClient api() {
    return new HavenApiClient(apiUrl);
  }

  static Integer print(JsonNode node) throws Exception {
    System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node));
    return 0;
  }

  /** The shared shape of a verb: call the API, print the answer or its error. */
  abstract static class Verb implements Callable<Integer> {
    @ParentCommand PlansCommand parent;

    abstract JsonNode call(HavenApiClient api) throws Exception;

    @Override
    public Integer call() throws Exception {
      try {
        return print(call(parent.api()));
      } catch (dev.haven.dist.client.ApiException e) {
        System.err.println(e.getMessage());
        return 1;
      }
    }
  }

  @Command(name = "list", description = "List recovery plans.")
  static final class ListPlans extends Verb {
    @Override
    JsonNode call(HavenApiClient api) {
      return api.get("/recovery-plans");
    }
  }

  @Command(name = "show", description = "Show a plan and its runs.")
  static final class Show extends Verb {
    @Parameters(index = "0", description = "plan id")
    String planId;

    @Override
    JsonNode call(HavenApiClient api) {
      var out = JSON.createObjectNode();
      out.set("plan", api.get("/recovery-plans/" + planId));
      out.set("runs", api.get("/recovery-plans/" + planId + "/runs"));
      return out;
    }
  }

  @Command(name = "submit", description = "Submit a plan from a JSON file (or replace one: --id).")
  static final class Submit extends Verb {
    @Parameters(index = "0", description = "plan JSON file")
    Path file;

    @Option(names = "--id", description = "replace this plan instead of creating one")
    String planId;

    @Override
    JsonNode call(HavenApiClient api) throws Exception {
      JsonNode body = JSON.readTree(Files.readString(file));
      return planId == null
          ? api.post("/recovery-plans", body)
          : api.put("/recovery-plans/" + planId, body);
    }
  }

  @Command(name = "failover", description = "Run a plan: answers its job and run ids.")
  static final class Failover extends Verb {
    @Parameters(index = "0", description = "plan id")
    String planId;

    @Option(names = "--type", defaultValue = "planned", description = "planned, unplanned, test")
    String type;

    @Option(
        names = "--direction",
        defaultValue = "primary-to-secondary",
        description = "primary-to-secondary or secondary-to-primary")
    String direction;

    @Option(names = "--recovery-point", defaultValue = "latest", description = "latest, …")
    String recoveryPoint;

    @Override
    JsonNode call(HavenApiClient api) {
      Map<String, String> body = new LinkedHashMap<>();
      body.put("type", type);
      body.put("direction", direction);
      body.put("recoveryPoint", recoveryPoint);
      return api.post("/recovery-plans/" + planId + "/failover", body);
    }
  }

  @Command(
      name = "test-cleanup",
      description = "Clean up a plan's test failover: answers the clean-up run's job and run ids.")
  static final class TestCleanup extends Verb {
    @Parameters(index = "0", description = "plan id")
    String planId;

    @Option(names = "--verdict", description = "the drill's verdict: passed or failed")
    String verdict;

    @Option(names = "--notes", description = "notes kept in every member's drill report")
    String notes;

    @Override
    JsonNode call(HavenApiClient api) {
      Map<String, String> body = new LinkedHashMap<>();
      if (verdict != null) {
        body.put("verdict", verdict);
      }
      if (notes != null) {
        body.put("notes", notes);
      }
      return api.post("/recovery-plans/" + planId + "/test-failover-cleanup", body);
    }
  }

  /** A run of a plan, named by the first two positional parameters of the verbs that take one. */
  static final class RunRef {
    @Parameters(index = "0", description = "plan id")
    String planId;

    @Parameters(index = "1", description = "run id")
    String runId;

    String path() {
      return "/recovery-plans/" + planId + "/runs/" + runId;
    }
  }

  @Command(name = "report", description = "Show a run's report.")
  static final class Report extends Verb {
    @Mixin RunRef run;

    @Override
    JsonNode call(HavenApiClient api) {
      return api.get(run.path());
    }
  }

  @Command(name = "resume", description = "Release a run's manual step.")
  static final class Resume extends Verb {
    @Mixin RunRef run;

    @Parameters(index = "2", description = "manual step id")
    String stepId;

    @Override
    JsonNode call(HavenApiClient api) {
      return api.post(run.path() + "/resume", Map.of("stepId", stepId));
    }
  }

  @Command(name = "cancel", description = "Cancel a run.")
  static final class Cancel extends Verb {
    @Mixin RunRef run;

    @Override
    JsonNode call(HavenApiClient api) {
      return api.post(run.path() + "/cancel", Map.of());
    }
  }

  @Command(name = "delete", description = "Delete a plan and its reports.")
  static final class Delete extends Verb {
    @Parameters(index = "0", description = "plan id")
    String planId;

    @Override
    JsonNode call(HavenApiClient api) {
      HavenApiClient.Response answer = api.raw("DELETE", "/recovery-plans/" + planId, null);
      if (answer.status() / 100 != 2) {
        throw new dev.haven.dist.client.ApiException(
            "DELETE /recovery-plans/" + planId, answer.status(), answer.body());
      }
      return JSON.createObjectNode().put("deleted", planId);
    }
  }
}
