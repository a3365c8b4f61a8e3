package dev.haven.api.resource;

import dev.haven.api.core.AgentGateway;
import dev.haven.api.core.VmDirectory;
import dev.haven.api.error.ApiException;
import dev.haven.api.json.HostJson;
import dev.haven.api.json.VmJson;
import dev.haven.protocol.AgentInfo;
import dev.haven.protocol.CreateVmRequest;
import dev.haven.protocol.Vm;
import dev.haven.store.Host;
import dev.haven.store.HostDao;
import dev.haven.store.Ids;
import dev.haven.store.SiteDao;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.io.InputStream;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/** {@code /hosts}: registered host agents (R3, R8), their state and their VMs (R5). */
@Path("/hosts")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class HostResource {
  private final Jdbi jdbi;
  private final AgentGateway agents;
  private final VmDirectory vms;

  public HostResource(Jdbi jdbi, AgentGateway agents, VmDirectory vms) {
    this.jdbi = jdbi;
    this.agents = agents;
    this.vms = vms;
  }

  @GET
  public List<HostJson.View> list() {
    return jdbi.withExtension(HostDao.class, HostDao::list).stream()
        .map(HostJson.View::of)
        .toList();
  }

  /** Registers a host agent; its name is unique within its site. */
  @POST
  public Response register(@NotNull @Valid HostJson.Create body, @Context UriInfo uri) {
    if (jdbi.withExtension(SiteDao.class, d -> d.find(body.siteId())).isEmpty()) {
      throw ApiException.notFound("site", body.siteId(), "siteId");
    }
    HostDao hosts = jdbi.onDemand(HostDao.class);
    Host host =
        new Host(
            Ids.next("host"),
            body.siteId(),
            body.name(),
            body.agentAddress(),
            System.currentTimeMillis());
    try {
      rejectDuplicate(hosts, body);
      hosts.insert(host);
    } catch (UnableToExecuteStatementException e) {
      rejectDuplicate(hosts, body);
      throw e;
    }
    return Response.created(uri.getAbsolutePathBuilder().path(host.id()).build())
        .entity(HostJson.View.of(host))
        .build();
  }

  private static void rejectDuplicate(HostDao hosts, HostJson.Create body) {
    if (hosts.findBySiteAndName(body.siteId(), body.name()).isPresent()) {
      throw new ApiException(
          409,
          "CONFLICT",
          "site '" + body.siteId() + "' has a host named '" + body.name() + "' already",
          "name");
    }
  }

  /** The host and its agent's health; an agent that does not answer is reported unreachable. */
  @GET
  @Path("/{id}")
  public HostJson.Status status(@PathParam("id") String id) {
    Host host = find(id);
    try {
      AgentInfo info = agents.info(host);
      return new HostJson.Status(
          host.id(),
          host.siteId(),
          host.name(),
          host.agentAddress(),
          true,
          "reachable",
          info.getVersion(),
          info.getFreeBytes(),
          info.getHostName(),
          info.getSite(),
          info.getNbdAddress(),
          null);
    } catch (ApiException e) {
      return new HostJson.Status(
          host.id(),
          host.siteId(),
          host.name(),
          host.agentAddress(),
          false,
          "unreachable",
          null,
          null,
          null,
          null,
          null,
          e.getMessage());
    }
  }

  @GET
  @Path("/{id}/vms")
  public List<VmJson.View> vms(@PathParam("id") String id) {
    Host host = find(id);
    return vms.listHost(host).stream().map(vm -> VmJson.View.of(host.id(), vm)).toList();
  }

  /** Creates a VM on the host's built-in file driver. */
  @POST
  @Path("/{id}/vms")
  public Response createVm(
      @PathParam("id") String id, @NotNull @Valid VmJson.Create body, @Context UriInfo uri) {
    boolean noDisks = body.disks() == null || body.disks().isEmpty();
    if (body.image() == null && noDisks) {
      throw ApiException.badRequest("disks", "must name at least one disk, or give an image");
    }
    if (body.image() != null && !noDisks) {
      throw ApiException.badRequest(
          "disks", "must be empty with an image: the imported VM gets the image's disk");
    }
    Host host = find(id);
    CreateVmRequest.Builder request =
        CreateVmRequest.newBuilder()
            .setName(body.name())
            .setCpus(body.cpus())
            .setMemoryMib(body.memoryMiB());
    if (body.disks() != null) {
      body.disks().forEach(d -> request.addDiskSizeBytes(d.sizeBytes()));
    }
    if (body.networks() != null) {
      request.addAllNetworks(body.networks());
    }
    Vm vm;
    if (body.image() == null) {
      vm = agents.createVm(host, request.build());
    } else {
      try {
        vm = agents.importVm(host, request.setImagePath(body.image()).build());
      } catch (ApiException e) {
        // The agent refused the image (missing, unreadable, not raw or qcow2).
        throw aboutImage(e);
      }
    }
    return created(host, vm, uri);
  }

  /**
   * Import by upload (R5): a VM whose one disk holds the raw or qcow2 image sent as the request
   * body, streamed to the host's agent as it arrives. Answers like {@code POST /hosts/{id}/vms}; a
   * bad image or parameter is a 400 naming it, and nothing is created.
   */
  @POST
  @Path("/{id}/vms/import")
  @Consumes(MediaType.APPLICATION_OCTET_STREAM)
  public Response importVm(
      @PathParam("id") String id,
      @QueryParam("name") String name,
      @QueryParam("cpus") Integer cpus,
      @QueryParam("memoryMiB") Integer memoryMiB,
      @QueryParam("networks") List<String> networks,
      @HeaderParam(HttpHeaders.CONTENT_LENGTH) Long contentLength,
      InputStream image,
      @Context UriInfo uri) {
    CreateVmRequest spec = UploadParameters.spec(name, cpus, memoryMiB, networks);
    Host host = find(id);
    Vm vm;
    try {
      vm =
          agents.uploadVm(
              host, spec, contentLength == null ? 0 : Math.max(0, contentLength), image);
    } catch (ApiException e) {
      // The agent refused the image (empty, not raw or qcow2, damaged, too large).
      throw aboutImage(e);
    }
    return created(host, vm, uri);
  }

  /** An agent's 400 about an image names the field {@code image}, unless it named one itself. */
  private static ApiException aboutImage(ApiException e) {
    return e.status() == 400 && e.field() == null
        ? new ApiException(400, e.code(), e.getMessage(), "image")
        : e;
  }

  /** Records the new VM in the directory and answers 201 with its view. */
  private Response created(Host host, Vm vm, UriInfo uri) {
    vms.record(host, vm);
    return Response.created(uri.getBaseUriBuilder().path("vms").path(vm.getId()).build())
        .entity(VmJson.View.of(host.id(), vm))
        .build();
  }

  private Host find(String id) {
    return jdbi.withExtension(HostDao.class, d -> d.find(id))
        .orElseThrow(() -> ApiException.notFound("host", id, null));
  }
}
