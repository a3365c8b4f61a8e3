package dev.haven.api.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.haven.api.json.Times;
import dev.haven.store.PlanRun;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A plan run's report as the API shows it: the run's row, and the groups that its workflow projects
 * into the row (actions with result and output, VMs with outcome, point, data-loss window and
 * durations), times in ISO-8601 UTC.
 */
final class PlanRunReports {
  private PlanRunReports() {}

  /** The report of {@code run}. */
  static JsonNode render(ObjectMapper json, PlanRun run) {
    ObjectNode out = json.createObjectNode();
    out.put("runId", run.id());
    out.put("planId", run.planId());
    out.put("jobId", run.jobId());
    out.put("workflowId", run.workflowId());
    out.put("type", run.type());
    out.put("direction", run.direction());
    out.put("recoveryPoint", run.recoveryPoint());
    out.put("state", run.state());
    out.put("createdAt", Times.iso(run.createdAt()));
    out.put("endedAt", Times.iso(run.endedAt()));
    if (run.report() != null) {
      JsonNode report = readTree(json, run.report());
      out.put(
          "startedAt",
          Times.iso(report.path("startedAt").isNumber() ? report.get("startedAt").asLong() : null));
      out.put(
          "error", report.path("error").isTextual() ? report.get("error").asText() : run.error());
      out.put("warnings", report.path("warnings").asInt());
      out.set("groups", isoTimes(report.path("groups")));
    } else {
      out.put("error", run.error());
      out.set("groups", json.createArrayNode());
    }
    return out;
  }

  /** The action {@code stepId} of the run's report, or null when it has none (yet). */
  static JsonNode action(ObjectMapper json, PlanRun run, String stepId) {
    if (run.report() == null) {
      return null;
    }
    for (JsonNode group : readTree(json, run.report()).path("groups")) {
      for (String phase : List.of("pre", "post")) {
        for (JsonNode action : group.path(phase)) {
          if (action.path("id").asText().equals(stepId)) {
            return action;
          }
        }
      }
    }
    return null;
  }

  /** Fields named {@code …At} that hold epoch milliseconds become ISO-8601 strings. */
  private static JsonNode isoTimes(JsonNode node) {
    JsonNode copy = node.deepCopy();
    convert(copy);
    return copy;
  }

  private static void convert(JsonNode node) {
    if (node instanceof ObjectNode object) {
      Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
      List<Map.Entry<String, JsonNode>> entries = new ArrayList<>();
      fields.forEachRemaining(entries::add);
      for (Map.Entry<String, JsonNode> e : entries) {
        if (e.getKey().endsWith("At") && e.getValue().isNumber()) {
          object.put(e.getKey(), Times.iso(e.getValue().asLong()));
        } else {
          convert(e.getValue());
        }
      }
    } else if (node.isArray()) {
      node.forEach(PlanRunReports::convert);
    }
  }

  private static JsonNode readTree(ObjectMapper json, String body) {
    try {
      return json.readTree(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
