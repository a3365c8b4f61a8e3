package dev.haven.activities.agent;

import dev.haven.protocol.AgentInfo;
import dev.haven.protocol.Disk;
import dev.haven.protocol.GetInfoRequest;
import dev.haven.protocol.Vm;
import dev.haven.protocol.VmRef;
import dev.haven.workflows.activities.AgentActivities.PrerequisitesInput;
import dev.haven.workflows.activities.AgentActivities.PrerequisitesMet;
import dev.haven.workflows.activities.AgentActivities.ReplicaNetworks;
import dev.haven.workflows.activities.AgentActivities.ReplicaNetworksInput;
import dev.haven.workflows.model.ErrorType;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * R10's prerequisite checks and R12's network check, in words that name what is unmet. Only reads:
 * nothing is created at either agent.
 */
final class Prerequisites {
  private final AgentCalls calls;
  private final Duration deadline;

  Prerequisites(AgentCalls calls, Duration deadline) {
    this.calls = calls;
    this.deadline = deadline;
  }

  PrerequisitesMet check(PrerequisitesInput in) {
    info("source", in.sourceAgent());
    AgentInfo target = info("target", in.targetAgent());
    Vm vm;
    try {
      VmRef ref = VmRef.newBuilder().setVmId(in.vmId()).build();
      vm = calls.call("GetVm", in.sourceAgent(), deadline, s -> s.getVm(ref));
    } catch (ApplicationFailure e) {
      throw unmet(
          "VM '"
              + in.vmId()
              + "' cannot be read at the source host "
              + in.sourceAgent()
              + " ("
              + e.getOriginalMessage()
              + "); check that it exists there");
    }
    if (!vm.getReplicaOfItem().isEmpty()) {
      throw unmet("VM '" + in.vmId() + "' is the replica of item '" + vm.getReplicaOfItem() + "'");
    }
    if (vm.getDisksCount() == 0) {
      throw unmet("VM '" + in.vmId() + "' has no disk to replicate");
    }
    long needed = 0;
    for (Disk disk : vm.getDisksList()) {
      if (disk.getSizeBytes() <= 0) {
        throw unmet("disk '" + disk.getId() + "' of VM '" + in.vmId() + "' is not readable");
      }
      needed += disk.getSizeBytes();
    }
    if (target.getFreeBytes() < needed) {
      throw unmet(
          "not enough free space at the target host "
              + in.targetAgent()
              + ": "
              + target.getFreeBytes()
              + " bytes free, "
              + needed
              + " bytes needed for the replica's disks; free space or pair another host");
    }
    return new PrerequisitesMet(vm.getDisksCount(), needed, target.getFreeBytes());
  }

  ReplicaNetworks verifyNetworks(ReplicaNetworksInput in) {
    VmRef sourceRef = VmRef.newBuilder().setVmId(in.vmId()).build();
    VmRef replicaRef = VmRef.newBuilder().setVmId(in.replicaVmId()).build();
    Vm source = calls.call("GetVm", in.sourceAgent(), deadline, s -> s.getVm(sourceRef));
    Vm replica = calls.call("GetVm", in.targetAgent(), deadline, s -> s.getVm(replicaRef));
    Map<String, String> mapping = in.networkMapping() == null ? Map.of() : in.networkMapping();
    List<String> expected =
        source.getNetworksList().stream().map(n -> mapping.getOrDefault(n, n)).toList();
    if (!expected.equals(replica.getNetworksList())) {
      throw ApplicationFailure.newNonRetryableFailure(
          "replica VM '"
              + in.replicaVmId()
              + "' is on networks "
              + replica.getNetworksList()
              + " but the pairing's network mapping asks for "
              + expected
              + "; fix the mapping or the replica, then resume",
          ErrorType.REPLICA_INVALID_STATE.typeName());
    }
    return new ReplicaNetworks(expected);
  }

  private AgentInfo info(String side, String address) {
    try {
      return calls.call(
          "GetInfo", address, deadline, s -> s.getInfo(GetInfoRequest.getDefaultInstance()));
    } catch (ApplicationFailure e) {
      throw unmet(
          "the "
              + side
              + " host's agent at "
              + address
              + " is not reachable ("
              + e.getOriginalMessage()
              + "); check that it runs and that the hosts are paired");
    }
  }

  private static ApplicationFailure unmet(String message) {
    return ApplicationFailure.newNonRetryableFailure(
        "prerequisite not met: " + message, ErrorType.PREREQUISITE_FAILED.typeName());
  }
}
