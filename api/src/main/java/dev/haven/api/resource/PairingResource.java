package dev.haven.api.resource;

import dev.haven.api.error.ApiException;
import dev.haven.api.json.PairingJson;
import dev.haven.store.Ids;
import dev.haven.store.NetworkMapping;
import dev.haven.store.Pairing;
import dev.haven.store.PairingDao;
import dev.haven.store.PolicyDao;
import dev.haven.store.SiteDao;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/** {@code /site-pairings}: which site replicates to which, under which policy (R8, R9). */
@Path("/site-pairings")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class PairingResource {
  private final Jdbi jdbi;

  public PairingResource(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  @GET
  public List<PairingJson.View> list() {
    return jdbi.withHandle(
        h -> {
          PairingDao pairings = h.attach(PairingDao.class);
          return pairings.list().stream()
              .map(p -> PairingJson.View.of(p, pairings.networkMappings(p.id())))
              .toList();
        });
  }

  @GET
  @Path("/{id}")
  public PairingJson.View get(@PathParam("id") String id) {
    return jdbi.withHandle(
        h -> {
          PairingDao pairings = h.attach(PairingDao.class);
          Pairing pairing =
              pairings.find(id).orElseThrow(() -> ApiException.notFound("site pairing", id, null));
          return PairingJson.View.of(pairing, pairings.networkMappings(id));
        });
  }

  @POST
  public Response create(@NotNull @Valid PairingJson.Create body, @Context UriInfo uri) {
    SiteDao sites = jdbi.onDemand(SiteDao.class);
    if (sites.find(body.sourceSiteId()).isEmpty()) {
      throw ApiException.notFound("site", body.sourceSiteId(), "sourceSiteId");
    }
    if (sites.find(body.targetSiteId()).isEmpty()) {
      throw ApiException.notFound("site", body.targetSiteId(), "targetSiteId");
    }
    if (body.sourceSiteId().equals(body.targetSiteId())) {
      throw ApiException.badRequest(
          "targetSiteId",
          "targetSiteId must differ from sourceSiteId: a site cannot replicate to itself");
    }
    if (jdbi.withExtension(PolicyDao.class, d -> d.find(body.policyId())).isEmpty()) {
      throw ApiException.notFound("policy", body.policyId(), "policyId");
    }
    List<NetworkMapping> mappings = mappings(body.networkMappings());
    Pairing pairing =
        new Pairing(
            Ids.next("pair"),
            body.sourceSiteId(),
            body.targetSiteId(),
            body.policyId(),
            System.currentTimeMillis());
    PairingDao pairings = jdbi.onDemand(PairingDao.class);
    try {
      rejectDuplicate(pairings, body);
      pairings.insert(pairing, mappings);
    } catch (UnableToExecuteStatementException e) {
      rejectDuplicate(pairings, body);
      throw e;
    }
    return Response.created(uri.getAbsolutePathBuilder().path(pairing.id()).build())
        .entity(PairingJson.View.of(pairing, mappings))
        .build();
  }

  private static List<NetworkMapping> mappings(List<PairingJson.Mapping> asked) {
    if (asked == null) {
      return List.of();
    }
    Set<String> sources = new HashSet<>();
    for (int i = 0; i < asked.size(); i++) {
      if (!sources.add(asked.get(i).source())) {
        throw ApiException.badRequest(
            "networkMappings[" + i + "].source",
            "network '" + asked.get(i).source() + "' is mapped twice");
      }
    }
    return asked.stream().map(m -> new NetworkMapping(m.source(), m.target())).toList();
  }

  private static void rejectDuplicate(PairingDao pairings, PairingJson.Create body) {
    pairings
        .findBySites(body.sourceSiteId(), body.targetSiteId())
        .ifPresent(
            p -> {
              throw ApiException.conflict(
                  "site '"
                      + body.sourceSiteId()
                      + "' is paired with site '"
                      + body.targetSiteId()
                      + "' already, as pairing '"
                      + p.id()
                      + "'");
            });
  }
}
