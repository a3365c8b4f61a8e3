package dev.haven.agent;

import dev.haven.protocol.ItemRef;
import dev.haven.protocol.MaterializeMode;
import dev.haven.protocol.MaterializeRecoveryPointRequest;
import dev.haven.protocol.MaterializeRecoveryPointResponse;
import dev.haven.protocol.RecoveryPoint;
import dev.haven.protocol.RecoveryPolicy;
import dev.haven.protocol.ReplicateCycleRequest;
import dev.haven.protocol.ReplicateCycleResponse;
import dev.haven.protocol.SetRecoveryPolicyRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Recovery-point calls that the tests of R13/R20 share. */
final class PointCalls {
  private PointCalls() {}

  static ItemRef item(String itemId) {
    return ItemRef.newBuilder().setItemId(itemId).build();
  }

  static ReplicateCycleResponse cycle(TwoAgents agents, String itemId) {
    return agents
        .agentA()
        .replicateCycle(ReplicateCycleRequest.newBuilder().setItemId(itemId).build());
  }

  static List<RecoveryPoint> points(TwoAgents agents, String itemId) {
    return agents.agentB().listRecoveryPoints(item(itemId)).getPointsList();
  }

  static MaterializeRecoveryPointResponse materialize(
      TwoAgents agents, String itemId, String pointId, MaterializeMode mode) {
    return agents
        .agentB()
        .materializeRecoveryPoint(
            MaterializeRecoveryPointRequest.newBuilder()
                .setItemId(itemId)
                .setPointId(pointId)
                .setMode(mode)
                .build());
  }

  static RecoveryPolicy retention(TwoAgents agents, String itemId, long millis) {
    return agents
        .agentB()
        .setRecoveryPolicy(
            SetRecoveryPolicyRequest.newBuilder()
                .setItemId(itemId)
                .setRetentionMillis(millis)
                .build());
  }

  /** The undo journals in the replica VM's folder on agent b, by file name. */
  static List<String> journals(Path dataB, String replicaVmId) throws IOException {
    Path undo = dataB.resolve("vms").resolve(replicaVmId).resolve("undo");
    if (!Files.isDirectory(undo)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(undo)) {
      return files.map(f -> f.getFileName().toString()).sorted().toList();
    }
  }
}
