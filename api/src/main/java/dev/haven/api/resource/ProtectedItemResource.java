package dev.haven.api.resource;

import dev.haven.api.core.FailoverService;
import dev.haven.api.core.LifecycleService;
import dev.haven.api.core.ProtectionService;
import dev.haven.api.error.ApiException;
import dev.haven.api.json.DrillJson;
import dev.haven.api.json.ItemJson;
import dev.haven.store.DrillDao;
import dev.haven.store.ProtectedItem;
import dev.haven.store.ProtectedItemDao;
import dev.haven.store.RecoveryPointDao;
import dev.haven.workflows.model.ItemState;
import dev.haven.workflows.protection.FailoverView;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Clock;
import java.util.List;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * {@code /protected-items}: enabling protection (R10), replication status (R14), recovery points
 * (R13) and failover (R17). Long operations answer 202 with their job at once.
 */
@Path("/protected-items")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class ProtectedItemResource {
  private final Jdbi jdbi;
  private final ProtectionService protection;
  private final FailoverService failover;
  private final LifecycleService lifecycle;
  private final Clock clock;

  public ProtectedItemResource(
      Jdbi jdbi,
      ProtectionService protection,
      FailoverService failover,
      LifecycleService lifecycle,
      Clock clock) {
    this.jdbi = jdbi;
    this.protection = protection;
    this.failover = failover;
    this.lifecycle = lifecycle;
    this.clock = clock;
  }

  /** Pauses delta replication; 202 with the job once the item's workflow accepted it. */
  @POST
  @Path("/{id}/pause")
  public Response pause(@PathParam("id") String id) {
    return Response.accepted(lifecycle.pause(id)).build();
  }

  /** Resumes delta replication after a pause or a non-recoverable error; 202 with the job. */
  @POST
  @Path("/{id}/resume")
  public Response resume(@PathParam("id") String id) {
    return Response.accepted(lifecycle.resume(id)).build();
  }

  /**
   * Resynchronizes the item at once (R15); 202 with the resync job, 409 naming the state when the
   * item's state does not allow it.
   */
  @POST
  @Path("/{id}/resync")
  public Response resync(@PathParam("id") String id) {
    return Response.accepted(lifecycle.resync(id)).build();
  }

  /** Disables protection: replication ends on both sides; the replica stays or goes (policy). */
  @DELETE
  @Path("/{id}")
  public Response disable(@PathParam("id") String id) {
    return Response.accepted(lifecycle.disable(id)).build();
  }

  @GET
  public List<ItemJson.View> list() {
    long now = clock.millis();
    return jdbi.withHandle(
        h ->
            h.attach(ProtectedItemDao.class).list().stream()
                .map(item -> view(h, item, now))
                .toList());
  }

  /** Enables protection; 202 with the enable-protection job and the new item. */
  @POST
  public Response enable(@NotNull @Valid ItemJson.Enable body) {
    return Response.accepted(protection.enable(body.vmId(), body.pairingId())).build();
  }

  @GET
  @Path("/{id}")
  public ItemJson.View get(@PathParam("id") String id) {
    long now = clock.millis();
    return jdbi.withHandle(
        h ->
            view(
                h,
                h.attach(ProtectedItemDao.class)
                    .find(id)
                    .orElseThrow(() -> ApiException.notFound("protected item", id, null)),
                now));
  }

  /** The item's recovery points, newest first. */
  @GET
  @Path("/{id}/recovery-points")
  public List<ItemJson.Point> recoveryPoints(@PathParam("id") String id) {
    return jdbi.withHandle(
        h -> {
          if (h.attach(ProtectedItemDao.class).find(id).isEmpty()) {
            throw ApiException.notFound("protected item", id, null);
          }
          return h.attach(RecoveryPointDao.class).listNewestFirst(id).stream()
              .map(ItemJson.Point::of)
              .toList();
        });
  }

  /** Fails the item over; 202 with the failover job once the item's workflow accepted it. */
  @POST
  @Path("/{id}/failover")
  public Response failover(@PathParam("id") String id, @NotNull @Valid ItemJson.Failover body) {
    return Response.accepted(failover.failover(id, body)).build();
  }

  /** Commits a failover for good (R24); 202 with the commit job. */
  @POST
  @Path("/{id}/commit")
  public Response commit(@PathParam("id") String id) {
    return Response.accepted(failover.after().commit(id)).build();
  }

  /** Cancels a failover and restores protection where possible (R20); 202 with the job. */
  @POST
  @Path("/{id}/cancel")
  public Response cancel(@PathParam("id") String id) {
    return Response.accepted(failover.after().cancel(id)).build();
  }

  /** Rebuilds the failed-over VM at another recovery point (R20); 202 with the job. */
  @POST
  @Path("/{id}/change-recovery-point")
  public Response changeRecoveryPoint(
      @PathParam("id") String id, @NotNull @Valid ItemJson.ChangePoint body) {
    return Response.accepted(failover.after().changeRecoveryPoint(id, body)).build();
  }

  /**
   * Protects a committed unplanned failover in the reverse direction (R25); 202 with the job, 409
   * naming the state when the item is not committed.
   */
  @POST
  @Path("/{id}/reverse-replicate")
  public Response reverseReplicate(@PathParam("id") String id) {
    return Response.accepted(failover.reverse().reverse(id)).build();
  }

  /** Removes the test failover's VM and keeps the drill's report (R27); 202 with the job. */
  @POST
  @Path("/{id}/test-failover-cleanup")
  public Response testFailoverCleanup(
      @PathParam("id") String id, @Valid ItemJson.TestCleanup body) {
    return Response.accepted(failover.tests().cleanUp(id, body)).build();
  }

  /** What the item's failover left running at the target; 404 when it is not failed over. */
  @GET
  @Path("/{id}/failover")
  public FailoverView failedOver(@PathParam("id") String id) {
    return failover.current(id);
  }

  /**
   * The item's test failovers (R27), oldest first, from the store, so that they outlive the item's
   * workflow and the API; a running one comes last.
   */
  @GET
  @Path("/{id}/drills")
  public List<DrillJson> drills(@PathParam("id") String id) {
    return failover.tests().drills(id);
  }

  private static ItemJson.View view(Handle h, ProtectedItem item, long now) {
    ItemJson.View view =
        ItemJson.View.of(
            item, h.attach(RecoveryPointDao.class).newest(item.id()).orElse(null), now);
    if (!item.state().equals(ItemState.TEST_FAILOVER.apiName())) {
      return view;
    }
    // The test VM is the running drill's, which the store keeps (R27).
    return h.attach(DrillDao.class).runningForItem(item.id()).stream()
        .findFirst()
        .map(d -> view.withTestVmId(d.testVmId()))
        .orElse(view);
  }
}
