package dev.haven.api.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.haven.api.json.PlanJson;
import dev.haven.store.RecoveryPlan;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/** A stored plan's body: the validated plan JSON as the store keeps it. */
final class PlanBodies {
  /** One mapper for plan bodies and run reports; Jackson's mappers are safe to share. */
  static final ObjectMapper JSON = new ObjectMapper();

  private PlanBodies() {}

  static String write(PlanJson.Plan plan) {
    try {
      return JSON.writeValueAsString(plan);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a validated plan could not be written as JSON", e);
    }
  }

  static PlanJson.Plan read(String body) {
    try {
      return JSON.readValue(body, PlanJson.Plan.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every VM of the plan, in group order. */
  static List<String> vmsOf(RecoveryPlan stored) {
    return read(stored.body()).groups().stream().flatMap(g -> g.vms().stream()).toList();
  }
}
