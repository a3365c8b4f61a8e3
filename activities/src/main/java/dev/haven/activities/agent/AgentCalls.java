package dev.haven.activities.agent;

import com.google.common.util.concurrent.ListenableFuture;
import dev.haven.protocol.AgentServiceGrpc;
import dev.haven.protocol.CloudServiceGrpc;
import dev.haven.protocol.ItemRef;
import dev.haven.protocol.ReplicationState;
import dev.haven.protocol.Vm;
import dev.haven.protocol.VmRef;
import dev.haven.protocol.client.AgentChannels;
import dev.haven.workflows.model.ErrorType;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Calls agents with a deadline on every call and turns gRPC errors into activity failures. Long
 * unary calls are made asynchronously so that the activity can heartbeat while it waits.
 */
final class AgentCalls {
  /** How often a waiting activity heartbeats: well inside the workflow's 30 s heartbeat timeout. */
  static final long HEARTBEAT_EVERY_MILLIS = 5_000;

  private final AgentChannels channels;

  AgentCalls(AgentChannels channels) {
    this.channels = channels;
  }

  /** A blocking call of {@code name} on the agent at {@code address}. */
  <T> T call(
      String name,
      String address,
      Duration deadline,
      Function<AgentServiceGrpc.AgentServiceBlockingStub, T> rpc) {
    try {
      return rpc.apply(
          channels.agent(address).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS));
    } catch (StatusRuntimeException e) {
      throw failure(name, address, e);
    }
  }

  /**
   * The activity failure for a failed call. When the agent could not be reached, the channel's own
   * reconnect back-off (which grows to two minutes) is cut short: Temporal's retry policy already
   * spaces the attempts, and an agent that comes back should be reached at the next one, not
   * minutes later.
   */
  private RuntimeException failure(String name, String address, StatusRuntimeException e) {
    if (e.getStatus().getCode() == Status.Code.UNAVAILABLE) {
      channels.channel(address).resetConnectBackoff();
    }
    return AgentErrors.failure(name, address, e);
  }

  /**
   * A blocking call whose work is already done if the agent no longer knows the VM or item:
   * stopping or deleting something that is gone succeeds, so the call stays idempotent across
   * retries.
   */
  void callUnlessGone(
      String name,
      String address,
      Duration deadline,
      Function<AgentServiceGrpc.AgentServiceBlockingStub, ?> rpc) {
    try {
      call(name, address, deadline, rpc);
    } catch (ApplicationFailure e) {
      if (!ErrorType.VM_NOT_FOUND.typeName().equals(e.getType())) {
        throw e;
      }
    }
  }

  /** The VM {@code vmId} as the agent at {@code address} describes it. */
  Vm getVm(String address, String vmId) {
    VmRef ref = VmRef.newBuilder().setVmId(vmId).build();
    return call("GetVm", address, AgentActivitiesImpl.COMMAND_DEADLINE, s -> s.getVm(ref));
  }

  /** What the agent at {@code address} knows of item {@code itemId}'s replication. */
  ReplicationState replicationState(String address, String itemId) {
    ItemRef item = ItemRef.newBuilder().setItemId(itemId).build();
    return call(
        "GetReplicationState",
        address,
        AgentActivitiesImpl.COMMAND_DEADLINE,
        s -> s.getReplicationState(item));
  }

  /**
   * An asynchronous call that heartbeats {@code details} every few seconds until it answers. If the
   * heartbeat reports that the activity was cancelled or timed out, the call is cancelled too.
   */
  <T> T callHeartbeating(
      String name,
      String address,
      Duration deadline,
      Object details,
      Function<AgentServiceGrpc.AgentServiceFutureStub, ListenableFuture<T>> rpc) {
    return awaitHeartbeating(
        name,
        address,
        details,
        rpc.apply(
            AgentServiceGrpc.newFutureStub(channels.channel(address))
                .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)));
  }

  /** As {@link #callHeartbeating}, for a call of a cloud site's host agent's CloudService. */
  <T> T callCloudHeartbeating(
      String name,
      String address,
      Duration deadline,
      Object details,
      Function<CloudServiceGrpc.CloudServiceFutureStub, ListenableFuture<T>> rpc) {
    return awaitHeartbeating(
        name,
        address,
        details,
        rpc.apply(
            CloudServiceGrpc.newFutureStub(channels.channel(address))
                .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)));
  }

  private <T> T awaitHeartbeating(
      String name, String address, Object details, ListenableFuture<T> future) {
    try {
      while (true) {
        try {
          return future.get(HEARTBEAT_EVERY_MILLIS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException stillRunning) {
          Activity.getExecutionContext().heartbeat(details);
        }
      }
    } catch (ExecutionException e) {
      throw e.getCause() instanceof StatusRuntimeException status
          ? failure(name, address, status)
          : AgentErrors.failure(name, address, e.getCause());
    } catch (InterruptedException e) {
      future.cancel(true);
      Thread.currentThread().interrupt();
      throw Activity.wrap(e);
    } catch (RuntimeException e) {
      future.cancel(true);
      throw e;
    }
  }

  /**
   * Follows the server stream that {@code rpc} opens on the agent at {@code address} to its end,
   * heartbeating {@code details} of every message, and answers the last message (null if the stream
   * sent none). If a heartbeat reports that the activity was cancelled, the stream is cancelled
   * too.
   */
  <P> P followStream(
      String name,
      String address,
      Duration deadline,
      Function<AgentServiceGrpc.AgentServiceBlockingStub, Iterator<P>> rpc,
      Function<P, Object> details) {
    ActivityExecutionContext ctx = Activity.getExecutionContext();
    P last = null;
    // Closing the context cancels the stream if a heartbeat says the activity was cancelled.
    try (Context.CancellableContext scope = Context.current().withCancellation()) {
      Context previous = scope.attach();
      try {
        Iterator<P> progress =
            rpc.apply(
                AgentServiceGrpc.newBlockingStub(channels.channel(address))
                    .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS));
        while (progress.hasNext()) {
          last = progress.next();
          ctx.heartbeat(details.apply(last));
        }
      } catch (StatusRuntimeException e) {
        throw failure(name, address, e);
      } finally {
        scope.detach(previous);
      }
    }
    return last;
  }
}
