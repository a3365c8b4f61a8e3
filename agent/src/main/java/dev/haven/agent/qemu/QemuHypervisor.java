package dev.haven.agent.qemu;

import dev.haven.agent.disk.BlockDevice;
import dev.haven.agent.nbd.ExportResolver;
import dev.haven.agent.vm.Hypervisor;
import dev.haven.agent.vm.VmRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each powered-on VM as a {@code qemu-system-x86_64} process whose disks are the agent's own
 * NBD exports, so every guest write goes through Haven's tracked disks. Power off presses the ACPI
 * power button over QMP and falls back to {@code quit}, then a kill, after the shutdown timeout. A
 * watcher on each process notices a guest that exits on its own (it shut down, crashed or was
 * killed) and reports it, with the reason, to the agent, which marks the VM off.
 */
public final class QemuHypervisor implements Hypervisor {
  private static final Logger LOG = LoggerFactory.getLogger(QemuHypervisor.class);
  private static final Duration QMP_WAIT = Duration.ofSeconds(20);

  /** How the guests run: the QEMU binary, the accelerator wanted and the shutdown timeout. */
  public record Settings(String binary, String accel, Duration shutdownTimeout) {
    public static Settings defaults() {
      return new Settings("qemu-system-x86_64", "auto", Duration.ofSeconds(30));
    }
  }

  private final Settings settings;
  private final Function<String, Path> folders;
  private final ExportResolver exports;
  private final Supplier<String> nbdHostPort;
  private final BiConsumer<String, String> exited;
  private final Map<String, Guest> guests = new ConcurrentHashMap<>();
  private final Map<String, String> reasons = new ConcurrentHashMap<>();
  private volatile String accel;

  /** One running guest. */
  private static final class Guest {
    final Process process;
    final Path qmpSocket;
    volatile boolean stopping;

    Guest(Process process, Path qmpSocket) {
      this.process = process;
      this.qmpSocket = qmpSocket;
    }
  }

  /**
   * @param folders the folder of a VM (its console log, QMP socket and extracted boot files go
   *     there)
   * @param exports the agent's NBD exports, to read a disk's boot header as the guest will see it
   * @param nbdHostPort where QEMU reaches the agent's NBD server (loopback)
   * @param exited called with the VM id and the reason when a guest stops without Haven asking
   */
  public QemuHypervisor(
      Settings settings,
      Function<String, Path> folders,
      ExportResolver exports,
      Supplier<String> nbdHostPort,
      BiConsumer<String, String> exited) {
    this.settings = settings;
    this.folders = folders;
    this.exports = exports;
    this.nbdHostPort = nbdHostPort;
    this.exited = exited;
  }

  private String accel() {
    if (accel == null) {
      accel = Accelerator.choose(settings.binary(), settings.accel());
    }
    return accel;
  }

  @Override
  public synchronized void start(VmRecord vm) throws IOException {
    Guest running = guests.get(vm.id());
    if (running != null && running.process.isAlive()) {
      return;
    }
    Path folder = folders.apply(vm.id());
    QemuCommand.DirectBoot boot = directBoot(vm, folder);
    Path qmpSocket = qmpSocket(folder, vm.id());
    Files.deleteIfExists(qmpSocket);
    Path log = folder.resolve("qemu.log");
    List<String> command =
        QemuCommand.build(
            settings.binary(),
            accel(),
            vm,
            nbdHostPort.get(),
            qmpSocket,
            folder.resolve("console.log"),
            boot);
    LOG.info("starting guest {}: {}", vm.id(), String.join(" ", command));
    // The command line heads the guest's QEMU log, so an operator sees how it ran.
    Files.writeString(
        log,
        "starting: " + String.join(" ", command) + "\n",
        java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.APPEND);
    Process process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    Guest guest = new Guest(process, qmpSocket);
    // QEMU answers QMP once the machine is built and its disks are open: until then it can still
    // fail (a bad option, an export it cannot open), and that must fail the power-on.
    long deadline = System.nanoTime() + QMP_WAIT.toNanos();
    IOException last = null;
    while (System.nanoTime() < deadline && process.isAlive()) {
      try (Qmp qmp = Qmp.connect(qmpSocket)) {
        last = null;
        break;
      } catch (IOException e) {
        last = e;
        sleep(100);
      }
    }
    if (!process.isAlive() || last != null) {
      process.destroyForcibly();
      String tail = tail(log);
      throw new IOException("QEMU did not start the guest of VM '" + vm.id() + "': " + tail, last);
    }
    reasons.remove(vm.id());
    guests.put(vm.id(), guest);
    process
        .onExit()
        .thenAccept(
            p -> {
              if (guests.remove(vm.id(), guest) && !guest.stopping) {
                String reason = reason(p.exitValue());
                reasons.put(vm.id(), reason);
                LOG.warn("guest of VM {} stopped on its own: {}", vm.id(), reason);
                exited.accept(vm.id(), reason);
              }
            });
  }

  private static String reason(int exitValue) {
    if (exitValue == 0) {
      return "the guest shut down";
    }
    if (exitValue > 128) {
      return "QEMU was killed (signal " + (exitValue - 128) + ")";
    }
    return "QEMU exited with code " + exitValue + " (see qemu.log)";
  }

  /** Extracts the kernel and initramfs a disk carries, or null when it boots its own loader. */
  private QemuCommand.DirectBoot directBoot(VmRecord vm, Path folder) throws IOException {
    if (vm.disks().isEmpty()) {
      return null;
    }
    String diskId = vm.disks().get(0).id();
    BlockDevice disk =
        exports
            .resolve(diskId)
            .orElseThrow(() -> new IOException("disk " + diskId + " is not exported"));
    Optional<BootHeader> header = BootHeader.read(disk);
    if (header.isEmpty()) {
      return null;
    }
    Path bootDir = Files.createDirectories(folder.resolve("boot"));
    Path kernel = bootDir.resolve("kernel");
    Path initrd = bootDir.resolve("initrd");
    header.get().extract(disk, kernel, initrd);
    return new QemuCommand.DirectBoot(
        kernel, header.get().hasInitrd() ? initrd : null, header.get().cmdline());
  }

  /** Unix socket paths are limited to about 100 bytes; a deep data folder uses a temp one. */
  private static Path qmpSocket(Path folder, String vmId) throws IOException {
    Path socket = folder.resolve("qmp.sock").toAbsolutePath();
    if (socket.toString().length() < 100) {
      return socket;
    }
    return Files.createTempDirectory("haven-" + vmId).resolve("qmp.sock");
  }

  @Override
  public void stop(String vmId) throws IOException {
    Guest guest = guests.get(vmId);
    if (guest == null) {
      return;
    }
    guest.stopping = true;
    Process process = guest.process;
    try {
      try (Qmp qmp = Qmp.connect(guest.qmpSocket)) {
        qmp.execute("system_powerdown");
      } catch (IOException e) {
        LOG.warn("could not press the power button of {}: {}", vmId, e.getMessage());
      }
      if (!process.waitFor(settings.shutdownTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn(
            "guest of {} did not shut down in {}; quitting it", vmId, settings.shutdownTimeout());
        try (Qmp qmp = Qmp.connect(guest.qmpSocket)) {
          qmp.execute("quit");
        } catch (IOException e) {
          LOG.warn("QMP quit of {} failed: {}", vmId, e.getMessage());
        }
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while stopping the guest of " + vmId, e);
    } finally {
      guests.remove(vmId, guest);
    }
  }

  @Override
  public Optional<String> powerReason(String vmId) {
    return Optional.ofNullable(reasons.get(vmId));
  }

  /** True while the guest of {@code vmId} runs. */
  public boolean runs(String vmId) {
    Guest guest = guests.get(vmId);
    return guest != null && guest.process.isAlive();
  }

  @Override
  public void close() {
    for (Guest guest : guests.values()) {
      guest.stopping = true;
      guest.process.destroyForcibly();
    }
    for (Guest guest : guests.values()) {
      try {
        guest.process.waitFor(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    guests.clear();
  }

  private static String tail(Path log) {
    try {
      String text = Files.exists(log) ? Files.readString(log) : "";
      return text.length() > 2000 ? text.substring(text.length() - 2000) : text.trim();
    } catch (IOException e) {
      return "(no qemu.log)";
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
