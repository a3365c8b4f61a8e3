package dev.haven.api.resource;

import com.fasterxml.jackson.databind.JsonNode;
import dev.haven.api.core.RecoveryPlanService;
import dev.haven.api.json.PlanJson;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;

/**
 * {@code /recovery-plans} (R18): plans submitted as JSON, their runs (202 with the job and run at
 * once), manual steps released by an operator, cancellation, and each run's report.
 */
@Path("/recovery-plans")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class RecoveryPlanResource {
  private final RecoveryPlanService plans;

  public RecoveryPlanResource(RecoveryPlanService plans) {
    this.plans = plans;
  }

  @GET
  public List<PlanJson.View> list() {
    return plans.list();
  }

  @POST
  public Response create(PlanJson.Plan body) {
    return Response.status(Response.Status.CREATED).entity(plans.create(body)).build();
  }

  @GET
  @Path("/{id}")
  public PlanJson.View get(@PathParam("id") String id) {
    return plans.get(id);
  }

  @PUT
  @Path("/{id}")
  public PlanJson.View update(@PathParam("id") String id, PlanJson.Plan body) {
    return plans.update(id, body);
  }

  @DELETE
  @Path("/{id}")
  public Response delete(@PathParam("id") String id) {
    plans.delete(id);
    return Response.noContent().build();
  }

  /** Starts a run: {@code {type, direction, recoveryPoint}} → 202 {@code {jobId, runId}}. */
  @POST
  @Path("/{id}/failover")
  public Response failover(@PathParam("id") String id, PlanJson.Failover body) {
    return Response.accepted(plans.failover(id, body)).build();
  }

  /**
   * Cleans up the plan's test failover (R27): {@code {verdict, notes}} (optional) → 202 {@code
   * {jobId, runId}}; every member's test VM goes, in reverse group order.
   */
  @POST
  @Path("/{id}/test-failover-cleanup")
  public Response testFailoverCleanup(@PathParam("id") String id, PlanJson.TestCleanup body) {
    return Response.accepted(plans.testFailoverCleanup(id, body)).build();
  }

  @GET
  @Path("/{id}/runs")
  public List<PlanJson.RunSummary> runs(@PathParam("id") String id) {
    return plans.runs(id);
  }

  @GET
  @Path("/{id}/runs/{runId}")
  public JsonNode report(@PathParam("id") String id, @PathParam("runId") String runId) {
    return plans.report(id, runId);
  }

  /** Releases a manual step {@code {stepId}}: 202. */
  @POST
  @Path("/{id}/runs/{runId}/resume")
  public Response resume(
      @PathParam("id") String id, @PathParam("runId") String runId, PlanJson.Resume body) {
    return Response.accepted(plans.resume(id, runId, body)).build();
  }

  /** Cancels a run: 202; the report ends {@code cancelled}. */
  @POST
  @Path("/{id}/runs/{runId}/cancel")
  public Response cancel(@PathParam("id") String id, @PathParam("runId") String runId) {
    return Response.accepted(plans.cancel(id, runId)).build();
  }

  /** The same as {@code POST …/cancel}. */
  @DELETE
  @Path("/{id}/runs/{runId}")
  public Response cancelByDelete(@PathParam("id") String id, @PathParam("runId") String runId) {
    return cancel(id, runId);
  }
}
