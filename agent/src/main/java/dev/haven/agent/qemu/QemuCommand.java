package dev.haven.agent.qemu;

import dev.haven.agent.vm.VmDisk;
import dev.haven.agent.vm.VmRecord;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code qemu-system-x86_64} command line of one guest: its CPUs and memory, each disk as a
 * virtio drive on the agent's NBD export of it, one NIC per network (none on an isolated
 * test-failover network), QMP on a Unix socket, and the serial console appended to a log file.
 */
final class QemuCommand {
  /** Networks that test failovers (R27) put their VMs on: isolated, so the guest gets no NIC. */
  static final String TEST_NETWORK_PREFIX = "haven-test-";

  private QemuCommand() {}

  /** Where a guest's kernel and initramfs were extracted to, when its disk carries its boot. */
  record DirectBoot(Path kernel, Path initrd, String cmdline) {}

  static List<String> build(
      String binary,
      String accel,
      VmRecord vm,
      String nbdHostPort,
      Path qmpSocket,
      Path consoleLog,
      DirectBoot boot) {
    List<String> args = new ArrayList<>();
    args.add(binary);
    args.addAll(List.of("-name", "haven-" + vm.id()));
    args.addAll(List.of("-machine", "q35", "-accel", accel));
    args.addAll(List.of("-smp", String.valueOf(vm.cpus()), "-m", vm.memoryMiB() + "M"));
    args.addAll(List.of("-nodefaults", "-no-user-config", "-display", "none"));
    args.addAll(List.of("-chardev", "file,id=console,append=on,path=" + consoleLog));
    args.addAll(List.of("-serial", "chardev:console"));
    args.addAll(List.of("-qmp", "unix:" + qmpSocket + ",server=on,wait=off"));
    for (VmDisk disk : vm.disks()) {
      // cache=none: the guest sees a write-back cache and flushes it, so every flush it issues
      // reaches Haven's disk as an NBD flush.
      args.addAll(
          List.of(
              "-drive",
              "file=nbd://" + nbdHostPort + "/" + disk.id() + ",format=raw,if=virtio,cache=none"));
    }
    boolean isolated =
        vm.networks().isEmpty()
            || vm.networks().stream().anyMatch(n -> n.startsWith(TEST_NETWORK_PREFIX));
    if (isolated) {
      args.addAll(List.of("-nic", "none"));
    } else {
      for (int i = 0; i < vm.networks().size(); i++) {
        // User-mode networking: the guest reaches out through the host, nothing reaches in.
        args.addAll(List.of("-nic", "user,model=virtio-net-pci,mac=" + mac(vm.id(), i)));
      }
    }
    if (boot != null) {
      args.addAll(List.of("-kernel", boot.kernel().toString()));
      if (boot.initrd() != null) {
        args.addAll(List.of("-initrd", boot.initrd().toString()));
      }
      args.addAll(List.of("-append", boot.cmdline()));
    } else {
      args.addAll(List.of("-boot", "c"));
    }
    return args;
  }

  /** A locally administered MAC that stays the same for a VM's NIC across power cycles. */
  static String mac(String vmId, int nic) {
    int hash = (vmId + "#" + nic).hashCode();
    return String.format(
        "52:54:00:%02x:%02x:%02x", (hash >> 16) & 0xff, (hash >> 8) & 0xff, hash & 0xff);
  }
}
