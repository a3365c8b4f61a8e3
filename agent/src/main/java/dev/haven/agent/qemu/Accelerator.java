package dev.haven.agent.qemu;

import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses QEMU's accelerator once per agent: KVM where it works, TCG (software emulation)
 * otherwise. A {@code /dev/kvm} that opens is not enough: on nested or emulated KVM QEMU starts but
 * the host cannot give the guest the CPU it asks for, and a Linux guest then hangs. So the probe
 * starts a paused machine with KVM, quits it over QMP, and takes KVM only when that ran without a
 * warning or an error.
 */
final class Accelerator {
  private static final Logger LOG = LoggerFactory.getLogger(Accelerator.class);

  private Accelerator() {}

  /** {@code kvm} or {@code tcg} for {@code wanted} = auto|kvm|tcg. */
  static String choose(String binary, String wanted) {
    if (wanted.equals("kvm") || wanted.equals("tcg")) {
      return wanted;
    }
    if (!wanted.equals("auto")) {
      throw new IllegalArgumentException("qemuAccel must be auto, kvm or tcg, got " + wanted);
    }
    String chosen = kvmWorks(binary) ? "kvm" : "tcg";
    LOG.info("QEMU guests run with accel={}", chosen);
    return chosen;
  }

  private static boolean kvmWorks(String binary) {
    Path kvm = Path.of("/dev/kvm");
    try (RandomAccessFile device = new RandomAccessFile(kvm.toFile(), "rw")) {
      // Opening it is the first test: a missing node or no permission means TCG.
    } catch (IOException e) {
      return false;
    }
    Path errors = null;
    try {
      errors = Files.createTempFile("haven-kvm-probe", ".log");
      Process probe =
          new ProcessBuilder(
                  List.of(
                      binary,
                      "-accel",
                      "kvm",
                      "-machine",
                      "q35",
                      "-nodefaults",
                      "-no-user-config",
                      "-display",
                      "none",
                      "-S",
                      "-qmp",
                      "stdio"))
              .redirectError(errors.toFile())
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      try (OutputStream in = probe.getOutputStream()) {
        in.write(
            "{\"execute\":\"qmp_capabilities\"}\n{\"execute\":\"quit\"}\n"
                .getBytes(StandardCharsets.UTF_8));
      }
      if (!probe.waitFor(20, TimeUnit.SECONDS)) {
        probe.destroyForcibly();
        return false;
      }
      String stderr = Files.readString(errors).trim();
      if (probe.exitValue() != 0 || !stderr.isEmpty()) {
        LOG.info("KVM is not usable, using TCG: {}", stderr.isEmpty() ? "probe failed" : stderr);
        return false;
      }
      return true;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      if (errors != null) {
        try {
          Files.deleteIfExists(errors);
        } catch (IOException e) {
          LOG.debug("could not delete {}", errors, e);
        }
      }
    }
  }
}
