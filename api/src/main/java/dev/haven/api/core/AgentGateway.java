package dev.haven.api.core;

import dev.haven.api.error.ApiException;
import dev.haven.protocol.AgentInfo;
import dev.haven.protocol.AgentServiceGrpc.AgentServiceBlockingStub;
import dev.haven.protocol.CreateVmRequest;
import dev.haven.protocol.GetInfoRequest;
import dev.haven.protocol.ListVmsRequest;
import dev.haven.protocol.SetPowerRequest;
import dev.haven.protocol.Vm;
import dev.haven.protocol.VmRef;
import dev.haven.protocol.client.AgentChannels;
import dev.haven.protocol.client.ImageUploader;
import dev.haven.store.Host;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The API's calls to host agents. Every call carries a deadline, so a dead agent costs a request at
 * most that long, and every gRPC failure turns into an {@link ApiException} that says which host
 * failed: 404, 400 and 409 for what the agent refused, 503 when it did not answer.
 */
public final class AgentGateway {
  /** Deadline of inventory calls (list, get, create, power). */
  static final Duration CALL_DEADLINE = Duration.ofSeconds(10);

  static final Duration IMPORT_DEADLINE = Duration.ofMinutes(30);

  /** Deadline of the health probe behind {@code GET /hosts/{id}}. */
  static final Duration INFO_DEADLINE = Duration.ofSeconds(2);

  private final AgentChannels channels;

  public AgentGateway(AgentChannels channels) {
    this.channels = channels;
  }

  /** What the agent says of itself; throws 503 when it does not answer within a short deadline. */
  public AgentInfo info(Host host) {
    return call(
        host, INFO_DEADLINE, "get info", s -> s.getInfo(GetInfoRequest.getDefaultInstance()));
  }

  public List<Vm> listVms(Host host) {
    return call(
            host, CALL_DEADLINE, "list VMs", s -> s.listVms(ListVmsRequest.getDefaultInstance()))
        .getVmsList();
  }

  public Vm getVm(Host host, String vmId) {
    return call(host, CALL_DEADLINE, "get VM " + vmId, s -> s.getVm(vmRef(vmId)));
  }

  public Vm createVm(Host host, CreateVmRequest request) {
    return call(host, CALL_DEADLINE, "create VM", s -> s.createVm(request));
  }

  /**
   * Import: the agent converts the image at {@code request.image_path} on its host, which takes as
   * long as copying it, so the deadline is longer than other calls'.
   */
  public Vm importVm(Host host, CreateVmRequest request) {
    return call(host, IMPORT_DEADLINE, "import the image", s -> s.createVm(request));
  }

  /**
   * Import by upload: streams {@code image} (of {@code sizeBytes}, 0 when unknown) to the agent,
   * which converts it into the disk of a new VM. The image passes through in chunks, never whole in
   * memory; when reading it fails (the HTTP client went away), the call is cancelled and the agent
   * discards what it received, and the failure is a 400 naming {@code image}.
   */
  public Vm uploadVm(Host host, CreateVmRequest spec, long sizeBytes, InputStream image) {
    try {
      return ImageUploader.upload(
          channels
              .agentAsync(host.agentAddress())
              .withDeadlineAfter(IMPORT_DEADLINE.toMillis(), TimeUnit.MILLISECONDS),
          spec,
          sizeBytes,
          image);
    } catch (StatusRuntimeException e) {
      throw translate(host, "import the uploaded image", e);
    } catch (IOException e) {
      throw ApiException.badRequest("image", "the upload broke off: " + e.getMessage());
    }
  }

  public Vm setPower(Host host, String vmId, boolean on) {
    return call(
        host,
        CALL_DEADLINE,
        "power VM " + vmId + (on ? " on" : " off"),
        s -> s.setPower(SetPowerRequest.newBuilder().setVmId(vmId).setOn(on).build()));
  }

  private static VmRef vmRef(String vmId) {
    return VmRef.newBuilder().setVmId(vmId).build();
  }

  private <T> T call(
      Host host, Duration deadline, String what, Function<AgentServiceBlockingStub, T> call) {
    AgentServiceBlockingStub stub =
        channels
            .agent(host.agentAddress())
            .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    try {
      return call.apply(stub);
    } catch (StatusRuntimeException e) {
      throw translate(host, what, e);
    }
  }

  /** The API's answer to an agent's refusal or silence. */
  static ApiException translate(Host host, String what, StatusRuntimeException e) {
    String detail = e.getStatus().getDescription();
    String said =
        "the agent of host '" + host.name() + "' (" + host.agentAddress() + ") could not " + what;
    String reason = detail == null ? e.getStatus().getCode().toString() : detail;
    return switch (e.getStatus().getCode()) {
      case NOT_FOUND -> new ApiException(404, "NOT_FOUND", said + ": " + reason, null);
      case INVALID_ARGUMENT, OUT_OF_RANGE ->
          new ApiException(400, "BAD_REQUEST", said + ": " + reason, null);
      case ALREADY_EXISTS, FAILED_PRECONDITION, ABORTED ->
          new ApiException(409, "CONFLICT", said + ": " + reason, null);
      default -> ApiException.unavailable(said + ": " + reason);
    };
  }
}
