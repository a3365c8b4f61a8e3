package dev.haven.agent.service;

import dev.haven.agent.vm.FileVmDriver;
import dev.haven.agent.vm.Hypervisor;
import dev.haven.agent.vm.ImageImporter;
import dev.haven.agent.vm.VmRecord;
import dev.haven.agent.vm.VmSpec;
import dev.haven.protocol.CreateVmRequest;
import dev.haven.protocol.ListVmsResponse;
import dev.haven.protocol.SetVmAddressesRequest;
import dev.haven.protocol.Vm;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * The VMs of this host as the control plane sees them: listing, creating (empty or imported from an
 * image on this host) and their addresses. An off VM carries why its guest stopped.
 */
final class VmInventory {
  private final FileVmDriver driver;
  private final Path dataDir;
  private final Hypervisor hypervisor;
  private final Function<VmRecord, Vm> message;

  /** {@code message} turns a VM record into its answer, with this agent's NBD address. */
  VmInventory(
      FileVmDriver driver, Path dataDir, Hypervisor hypervisor, Function<VmRecord, Vm> message) {
    this.driver = driver;
    this.dataDir = dataDir;
    this.hypervisor = hypervisor;
    this.message = message;
  }

  ListVmsResponse list() throws IOException {
    ListVmsResponse.Builder out = ListVmsResponse.newBuilder();
    driver.list().forEach(vm -> out.addVms(withReason(message.apply(vm))));
    return out.build();
  }

  Vm get(String vmId) throws IOException {
    return withReason(message.apply(driver.require(vmId)));
  }

  Vm create(CreateVmRequest request) throws IOException {
    VmSpec spec =
        new VmSpec(
            request.getName(),
            request.getCpus(),
            request.getMemoryMib(),
            request.getDiskSizeBytesList(),
            request.getNetworksList(),
            "");
    // Import: a VM made from an image on this host (raw or qcow2).
    return message.apply(
        request.getImagePath().isEmpty()
            ? driver.create(spec)
            : new ImageImporter(driver, dataDir).importVm(spec, Path.of(request.getImagePath())));
  }

  Vm setAddresses(SetVmAddressesRequest request) throws IOException {
    String staticIp = address("static_ip", request.getStaticIp());
    String publicIp = address("public_ip", request.getPublicIp());
    driver.setAddresses(request.getVmId(), staticIp, publicIp);
    return message.apply(driver.require(request.getVmId()));
  }

  /** An off VM carries why its guest stopped on its own, when it did. */
  private Vm withReason(Vm vm) {
    if (vm.getPowerState().equals("on")) {
      return vm;
    }
    return hypervisor
        .powerReason(vm.getId())
        .map(reason -> vm.toBuilder().setPowerReason(reason).build())
        .orElse(vm);
  }

  /** An IP literal or null for empty; never a host name, so nothing is looked up. */
  private static String address(String field, String value) {
    if (value.isEmpty()) {
      return null;
    }
    if (!com.google.common.net.InetAddresses.isInetAddress(value)) {
      throw new IllegalArgumentException(
          field + " must be an IPv4 or IPv6 address; it is '" + value + "'");
    }
    return value;
  }
}
