package dev.haven.workflows.protection;

import dev.haven.workflows.activities.AgentActivities.AddressesInput;

/**
 * R19: the static and public address that a failover asked for are recorded on the VM that will run
 * at the target, as a job step before it powers on. Nothing happens when none was asked for, so
 * histories from before replay unchanged.
 */
final class FailoverAddresses {
  static final String SET_ADDRESSES = "set-addresses";

  private FailoverAddresses() {}

  static void apply(
      JobRecorder rec,
      ProtectionActivities a,
      String jobId,
      String agentAddress,
      String vmId,
      FailoverRequest request) {
    if (request == null || !request.setsAddresses()) {
      return;
    }
    rec.step(
        jobId,
        SET_ADDRESSES,
        () ->
            a.agent.setVmAddresses(
                new AddressesInput(agentAddress, vmId, request.staticIp(), request.publicIp())));
  }
}
