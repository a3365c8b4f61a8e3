package dev.haven.agent.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.agent.nbd.NbdServer;
import dev.haven.agent.vm.FileVmDriver;
import dev.haven.agent.vm.RunningDiskExports;
import dev.haven.agent.vm.VmRecord;
import dev.haven.agent.vm.VmSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The QEMU driver's power cycle with a real {@code qemu-system-x86_64} on the agent's real NBD
 * server. The guest is the firmware alone (an empty disk has nothing to boot), which, like a hung
 * OS, ignores the ACPI power button: power off must still end the guest, by QMP {@code quit} after
 * the timeout. A guest that dies is reported with its reason.
 */
class QemuHypervisorTest {
  @TempDir Path tmp;

  private FileVmDriver driver;
  private NbdServer nbd;
  private QemuHypervisor hypervisor;
  private final BlockingQueue<Map.Entry<String, String>> exits = new LinkedBlockingQueue<>();

  @BeforeEach
  void start() throws IOException {
    driver = new FileVmDriver(tmp.resolve("data"));
    RunningDiskExports exports = new RunningDiskExports(driver);
    nbd = new NbdServer(exports);
    int port = nbd.start("127.0.0.1", 0);
    hypervisor =
        new QemuHypervisor(
            new QemuHypervisor.Settings("qemu-system-x86_64", "tcg", Duration.ofSeconds(2)),
            driver::folder,
            exports,
            () -> "127.0.0.1:" + port,
            (vmId, reason) -> exits.add(Map.entry(vmId, reason)));
  }

  @AfterEach
  void stop() throws IOException {
    hypervisor.close();
    nbd.close();
    driver.close();
  }

  private VmRecord runningVm(List<String> networks) throws IOException {
    VmRecord vm = driver.create(new VmSpec("fw", 1, 64, List.of(1L << 20), networks, ""));
    return driver.setPower(vm.id(), true);
  }

  @Test
  void R5_powerOffOfAGuestThatIgnoresTheButtonQuitsItAfterTheTimeout() throws Exception {
    VmRecord vm = runningVm(List.of("lan"));
    hypervisor.start(vm);
    assertThat(hypervisor.runs(vm.id())).isTrue();
    String log = Files.readString(driver.folder(vm.id()).resolve("qemu.log"));
    assertThat(log).contains("-accel tcg").contains("nbd://127.0.0.1:").contains("-nic user");

    hypervisor.stop(vm.id());

    assertThat(hypervisor.runs(vm.id())).isFalse();
    assertThat(qemuOf(vm.id())).isEmpty();
    // Haven asked for it: that is no exit to report.
    assertThat(exits.poll(1, TimeUnit.SECONDS)).isNull();
    assertThat(hypervisor.powerReason(vm.id())).isEmpty();
  }

  @Test
  void R5_aGuestThatDiesIsReportedWithTheReason() throws Exception {
    VmRecord vm = runningVm(List.of("haven-test-item"));
    hypervisor.start(vm);
    assertThat(Files.readString(driver.folder(vm.id()).resolve("qemu.log"))).contains("-nic none");

    qemuOf(vm.id()).orElseThrow().destroyForcibly();

    Map.Entry<String, String> exit = exits.poll(60, TimeUnit.SECONDS);
    assertThat(exit).isNotNull();
    assertThat(exit.getKey()).isEqualTo(vm.id());
    assertThat(exit.getValue()).contains("killed");
    assertThat(hypervisor.powerReason(vm.id())).contains(exit.getValue());
    assertThat(hypervisor.runs(vm.id())).isFalse();
  }

  @Test
  void R5_aGuestWhoseDiskIsNotServedFailsThePowerOn() throws Exception {
    VmRecord vm = runningVm(List.of());
    // Its disk is not exported (the VM is off for the agent), so there is nothing to boot from.
    driver.setPower(vm.id(), false);
    assertThatThrownBy(() -> hypervisor.start(vm)).isInstanceOf(IOException.class);
    assertThat(hypervisor.runs(vm.id())).isFalse();
  }

  private static java.util.Optional<ProcessHandle> qemuOf(String vmId) {
    return ProcessHandle.current()
        .descendants()
        .filter(p -> p.isAlive())
        .filter(p -> p.info().commandLine().orElse("").contains("haven-" + vmId))
        .findFirst();
  }
}
