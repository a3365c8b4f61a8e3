package dev.haven.agent.service;

import dev.haven.agent.replication.RecoveryPoints;
import dev.haven.agent.replication.TestVms;
import dev.haven.agent.vm.VmRecord;
import dev.haven.protocol.CreateTestVmRequest;
import dev.haven.protocol.MaterializeMode;
import dev.haven.protocol.MaterializeRecoveryPointRequest;
import dev.haven.protocol.MaterializeRecoveryPointResponse;
import dev.haven.protocol.Vm;
import java.io.IOException;
import java.util.function.Function;

/**
 * VMs made from an item's recovery points at its target: a point materialized in place or as a new
 * copy (R13/R20), and the isolated VMs of a test failover (R27).
 */
final class RecoveryVms {
  private final RecoveryPoints points;
  private final TestVms tests;
  private final Function<VmRecord, Vm> message;

  /** {@code message} turns a VM record into its answer, with this agent's NBD address. */
  RecoveryVms(RecoveryPoints points, TestVms tests, Function<VmRecord, Vm> message) {
    this.points = points;
    this.tests = tests;
    this.message = message;
  }

  MaterializeRecoveryPointResponse materialize(MaterializeRecoveryPointRequest request)
      throws IOException {
    if (request.getMode() == MaterializeMode.MATERIALIZE_MODE_UNSPECIFIED
        || request.getMode() == MaterializeMode.UNRECOGNIZED) {
      throw new IllegalArgumentException("mode must be IN_PLACE or NEW_COPY");
    }
    RecoveryPoints.Materialized done =
        points.materialize(
            request.getItemId(),
            request.getPointId(),
            request.getMode() == MaterializeMode.IN_PLACE,
            request.getCopyName());
    return RecoveryMessages.materialized(done).setVm(message.apply(done.vm())).build();
  }

  MaterializeRecoveryPointResponse createTestVm(CreateTestVmRequest request) throws IOException {
    TestVms.Created done =
        tests.create(request.getItemId(), request.getPointId(), request.getNetwork());
    return MaterializeRecoveryPointResponse.newBuilder()
        .setPoint(Messages.point(done.point()))
        .setVm(message.apply(done.vm()))
        .build();
  }
}
