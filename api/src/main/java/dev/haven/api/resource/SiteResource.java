package dev.haven.api.resource;

import dev.haven.api.error.ApiException;
import dev.haven.api.json.HostJson;
import dev.haven.api.json.SiteJson;
import dev.haven.store.HostDao;
import dev.haven.store.Ids;
import dev.haven.store.Site;
import dev.haven.store.SiteDao;
import dev.haven.store.SiteStorageDao;
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
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/** {@code /sites}: the sites of the deployment (R2) and their hosts. */
@Path("/sites")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class SiteResource {
  private final Jdbi jdbi;

  public SiteResource(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  @GET
  public List<SiteJson.View> list() {
    return jdbi.withExtension(SiteDao.class, SiteDao::list).stream().map(this::view).toList();
  }

  private SiteJson.View view(Site site) {
    return SiteJson.View.of(
        site, jdbi.withExtension(SiteStorageDao.class, d -> d.find(site.id())).orElse(null));
  }

  @POST
  public Response create(@NotNull @Valid SiteJson.Create body, @Context UriInfo uri) {
    SiteDao sites = jdbi.onDemand(SiteDao.class);
    if (body.storage() != null && !"cloud".equals(body.kind())) {
      throw new ApiException(
          400, "BAD_REQUEST", "only a cloud site has an object store (storage)", "storage");
    }
    Site site = new Site(Ids.next("site"), body.name(), body.kind(), System.currentTimeMillis());
    try {
      rejectDuplicate(sites, body.name());
      // The site and its store are one write: a failure leaves neither.
      jdbi.useTransaction(
          h -> {
            h.attach(SiteDao.class).insert(site);
            if (body.storage() != null) {
              h.attach(SiteStorageDao.class).put(site.id(), body.storage());
            }
          });
    } catch (UnableToExecuteStatementException e) {
      rejectDuplicate(sites, body.name());
      throw e;
    }
    return Response.created(uri.getAbsolutePathBuilder().path(site.id()).build())
        .entity(SiteJson.View.of(site, body.storage()))
        .build();
  }

  private static void rejectDuplicate(SiteDao sites, String name) {
    if (sites.findByName(name).isPresent()) {
      throw new ApiException(409, "CONFLICT", "a site named '" + name + "' exists already", "name");
    }
  }

  @GET
  @Path("/{id}")
  public SiteJson.View get(@PathParam("id") String id) {
    return view(find(id));
  }

  @GET
  @Path("/{id}/hosts")
  public List<HostJson.View> hosts(@PathParam("id") String id) {
    find(id);
    return jdbi.withExtension(HostDao.class, d -> d.listBySite(id)).stream()
        .map(HostJson.View::of)
        .toList();
  }

  private Site find(String id) {
    return jdbi.withExtension(SiteDao.class, d -> d.find(id))
        .orElseThrow(() -> ApiException.notFound("site", id, null));
  }
}
