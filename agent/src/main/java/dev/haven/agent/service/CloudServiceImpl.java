package dev.haven.agent.service;

import dev.haven.agent.cloud.CloudHost;
import dev.haven.cloud.layout.PointManifest;
import dev.haven.protocol.CloudItemRef;
import dev.haven.protocol.CloudServiceGrpc;
import dev.haven.protocol.DeleteCloudItemResponse;
import dev.haven.protocol.ListRecoveryPointsResponse;
import dev.haven.protocol.MaterializeCloudPointRequest;
import dev.haven.protocol.MaterializeRecoveryPointResponse;
import dev.haven.protocol.RecoveryPoint;
import io.grpc.stub.StreamObserver;
import java.util.function.Supplier;

/** agent.proto's {@code CloudService}: a cloud site's host agent at failover (issue 8). */
public final class CloudServiceImpl extends CloudServiceGrpc.CloudServiceImplBase {
  private final CloudHost host;
  private final Supplier<String> nbdAddress;

  public CloudServiceImpl(CloudHost host, Supplier<String> nbdAddress) {
    this.host = host;
    this.nbdAddress = nbdAddress;
  }

  @Override
  public void listCloudPoints(
      CloudItemRef request, StreamObserver<ListRecoveryPointsResponse> responses) {
    Calls.unary(
        responses,
        () -> {
          ListRecoveryPointsResponse.Builder out = ListRecoveryPointsResponse.newBuilder();
          for (PointManifest p : host.points(request.getCloudStorage(), request.getItemId())) {
            out.addPoints(point(p));
          }
          return out.build();
        });
  }

  @Override
  public void materializeCloudPoint(
      MaterializeCloudPointRequest request,
      StreamObserver<MaterializeRecoveryPointResponse> responses) {
    Calls.unary(
        responses,
        () -> {
          CloudHost.Built built =
              host.materialize(
                  request.getRequestId(),
                  new CloudHost.Build(
                      request.getCloudStorage(),
                      request.getItemId(),
                      request.getPointId(),
                      request.getVmName(),
                      request.getCpus(),
                      request.getMemoryMib(),
                      request.getNetworksList(),
                      request.getPublicIp()));
          return MaterializeRecoveryPointResponse.newBuilder()
              .setPoint(point(built.point()))
              .setVm(Messages.vm(built.vm(), nbdAddress.get()))
              .addAllDiskSha256(built.diskSha256())
              .build();
        });
  }

  @Override
  public void deleteCloudItem(
      CloudItemRef request, StreamObserver<DeleteCloudItemResponse> responses) {
    Calls.unary(
        responses,
        () ->
            DeleteCloudItemResponse.newBuilder()
                .setObjectsDeleted(host.deleteItem(request.getCloudStorage(), request.getItemId()))
                .build());
  }

  private static RecoveryPoint point(PointManifest p) {
    return RecoveryPoint.newBuilder()
        .setId(p.pointId())
        .setSeq(p.seq())
        .setCreatedAtMillis(p.createdAtMillis())
        .setAppConsistent(p.appConsistent())
        .build();
  }
}
