package dev.haven.api.resource;

import dev.haven.api.core.LifecycleService;
import dev.haven.api.error.ApiException;
import dev.haven.api.json.PolicyJson;
import dev.haven.store.Ids;
import dev.haven.store.Policy;
import dev.haven.store.PolicyDao;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * {@code /policies}: replication policies (R9). Bean validation checks each field; this resource
 * checks what spans fields (app-consistent snapshots within the retention) and the start time.
 */
@Path("/policies")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class PolicyResource {
  private final Jdbi jdbi;
  private final LifecycleService lifecycle;

  public PolicyResource(Jdbi jdbi, LifecycleService lifecycle) {
    this.jdbi = jdbi;
    this.lifecycle = lifecycle;
  }

  @GET
  public List<PolicyJson.View> list() {
    return jdbi.withExtension(PolicyDao.class, PolicyDao::list).stream()
        .map(PolicyJson.View::of)
        .toList();
  }

  @GET
  @Path("/{id}")
  public PolicyJson.View get(@PathParam("id") String id) {
    return PolicyJson.View.of(find(id));
  }

  @POST
  public Response create(@NotNull @Valid PolicyJson.Body body, @Context UriInfo uri) {
    long now = System.currentTimeMillis();
    Policy policy = toPolicy(Ids.next("pol"), body, now, now);
    PolicyDao policies = jdbi.onDemand(PolicyDao.class);
    try {
      rejectDuplicate(policies, body.name(), null);
      policies.insert(policy);
    } catch (UnableToExecuteStatementException e) {
      rejectDuplicate(policies, body.name(), null);
      throw e;
    }
    return Response.created(uri.getAbsolutePathBuilder().path(policy.id()).build())
        .entity(PolicyJson.View.of(policy))
        .build();
  }

  /** Replaces every field of a policy; omitted optional fields take their defaults again. */
  @PUT
  @Path("/{id}")
  public PolicyJson.View replace(@PathParam("id") String id, @NotNull @Valid PolicyJson.Body body) {
    Policy existing = find(id);
    Policy policy = toPolicy(id, body, existing.createdAt(), System.currentTimeMillis());
    PolicyDao policies = jdbi.onDemand(PolicyDao.class);
    try {
      rejectDuplicate(policies, body.name(), id);
      policies.update(policy);
    } catch (UnableToExecuteStatementException e) {
      rejectDuplicate(policies, body.name(), id);
      throw e;
    }
    // R9: running items apply the change without a restart, from their next cycle.
    lifecycle.policyChanged(policy);
    return PolicyJson.View.of(policy);
  }

  private Policy find(String id) {
    return jdbi.withExtension(PolicyDao.class, d -> d.find(id))
        .orElseThrow(() -> ApiException.notFound("policy", id, null));
  }

  private static void rejectDuplicate(PolicyDao policies, String name, String self) {
    Optional<Policy> other = policies.findByName(name);
    if (other.isPresent() && !other.get().id().equals(self)) {
      throw new ApiException(
          409, "CONFLICT", "a policy named '" + name + "' exists already", "name");
    }
  }

  /** The policy that {@code body} describes, after the checks that span fields. */
  static Policy toPolicy(String id, PolicyJson.Body body, long createdAt, long updatedAt) {
    int appConsistent = orElse(body.appConsistentFrequencyHours(), 0);
    if (appConsistent > body.recoveryPointRetentionHours()) {
      throw ApiException.badRequest(
          "appConsistentFrequencyHours",
          "appConsistentFrequencyHours ("
              + appConsistent
              + ") must be within recoveryPointRetentionHours ("
              + body.recoveryPointRetentionHours()
              + ")");
    }
    String start = orElse(body.initialReplicationStart(), "immediately");
    if (!start.equals("immediately")) {
      try {
        Instant.parse(start);
      } catch (DateTimeParseException e) {
        throw ApiException.badRequest(
            "initialReplicationStart",
            "initialReplicationStart must be immediately or an ISO-8601 instant such as"
                + " 2026-12-01T22:00:00Z");
      }
    }
    return new Policy(
        id,
        body.name(),
        body.copyFrequencySeconds(),
        body.recoveryPointRetentionHours(),
        appConsistent,
        start,
        orElse(body.resyncWindow(), "outside-office-hours"),
        orElse(body.compression(), true),
        orElse(body.encryption(), true),
        orElse(body.replicaDeletion(), "keep"),
        createdAt,
        updatedAt,
        zone(body.resyncTimeZone()));
  }

  /** The resync window's time zone: a region id such as Europe/Lisbon, or UTC when absent. */
  private static String zone(String asked) {
    if (asked == null) {
      return "UTC";
    }
    try {
      return java.time.ZoneId.of(asked).getId();
    } catch (java.time.DateTimeException e) {
      throw ApiException.badRequest(
          "resyncTimeZone",
          "resyncTimeZone must be a time zone id such as UTC or Europe/Lisbon; '"
              + asked
              + "' is not one");
    }
  }

  private static <T> T orElse(T value, T fallback) {
    return value != null ? value : fallback;
  }
}
