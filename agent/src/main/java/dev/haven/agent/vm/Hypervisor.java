package dev.haven.agent.vm;

import java.io.IOException;
import java.util.Optional;

/**
 * The part of a host's hypervisor driver that runs guests. The {@link FileVmDriver} keeps a VM's
 * definition, power state and disks; a hypervisor runs the guest of each powered-on VM on those
 * disks (served by the agent's NBD server) and tells the agent when a guest stops on its own. The
 * file driver runs no guest ({@link #NONE}): its "guests" are NBD clients that connect to the
 * exports themselves. Which one a host uses is set in the agent's config ({@code hypervisor}).
 */
public interface Hypervisor extends AutoCloseable {

  /** Runs no guest: powering on only exports the disks. */
  Hypervisor NONE =
      new Hypervisor() {
        @Override
        public void start(VmRecord vm) {}

        @Override
        public void stop(String vmId) {}

        @Override
        public Optional<String> powerReason(String vmId) {
          return Optional.empty();
        }

        @Override
        public void close() {}
      };

  /**
   * Starts the guest of {@code vm}, which the driver has just marked powered on, so that its disks
   * are exported. Returns once the guest runs; does nothing if it already runs.
   *
   * @throws IOException when the guest cannot be started; the caller powers the VM off again
   */
  void start(VmRecord vm) throws IOException;

  /**
   * Asks the guest to shut down (ACPI power button), waits for it up to the hypervisor's timeout
   * and stops it hard after that. Returns once no guest runs; does nothing if none runs.
   */
  void stop(String vmId) throws IOException;

  /** Why the VM's guest last stopped without Haven asking (it shut down, crashed, was killed). */
  Optional<String> powerReason(String vmId);

  /** The host goes down: every guest stops at once; the VMs stay marked as powered on. */
  @Override
  void close();
}
