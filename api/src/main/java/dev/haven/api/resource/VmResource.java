package dev.haven.api.resource;

import dev.haven.api.core.AgentGateway;
import dev.haven.api.core.VmDirectory;
import dev.haven.api.error.ApiException;
import dev.haven.api.json.VmJson;
import dev.haven.protocol.Vm;
import dev.haven.store.Host;
import dev.haven.store.VmDirectoryDao;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.jdbi.v3.core.Jdbi;

/** {@code /vms/{id}}: one VM, wherever it lives (R5), and its power switch. */
@Path("/vms")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class VmResource {
  private final Jdbi jdbi;
  private final AgentGateway agents;
  private final VmDirectory vms;

  public VmResource(Jdbi jdbi, AgentGateway agents, VmDirectory vms) {
    this.jdbi = jdbi;
    this.agents = agents;
    this.vms = vms;
  }

  /** The VM as its agent describes it now; its disks carry their NBD address while it runs. */
  @GET
  @Path("/{id}")
  public VmJson.View get(@PathParam("id") String id) {
    Host host = vms.locate(id, null);
    return VmJson.View.of(host.id(), forget(id, () -> agents.getVm(host, id)));
  }

  @POST
  @Path("/{id}/power")
  public VmJson.View power(@PathParam("id") String id, @NotNull @Valid VmJson.Power body) {
    Host host = vms.locate(id, null);
    boolean on = body.state().equals("on");
    return VmJson.View.of(host.id(), forget(id, () -> agents.setPower(host, id, on)));
  }

  /** Runs an agent call; when the agent no longer has the VM, the directory forgets it too. */
  private Vm forget(String id, java.util.function.Supplier<Vm> call) {
    try {
      return call.get();
    } catch (ApiException e) {
      if (e.status() == 404) {
        jdbi.useExtension(VmDirectoryDao.class, d -> d.delete(id));
        throw ApiException.notFound("vm", id, null);
      }
      throw e;
    }
  }
}
