package dev.haven.agent.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.agent.disk.DiskView;
import dev.haven.agent.vm.VmDisk;
import dev.haven.agent.vm.VmRecord;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The QEMU command line of a guest and the boot header its disk may carry: disks are the agent's
 * NBD exports, a test failover's network gives no NIC (R27), and a replica's own disk says how it
 * boots.
 */
class QemuCommandTest {
  @TempDir Path tmp;

  private static VmRecord vm(List<String> networks) {
    return new VmRecord(
        "vm-1",
        "web",
        2,
        512,
        true,
        List.of(
            new VmDisk("disk-a", 1 << 20, Path.of("a.img")),
            new VmDisk("disk-b", 1 << 20, Path.of("b.img"))),
        networks,
        "");
  }

  @Test
  void R5_everyDiskIsTheAgentsNbdExportAndEveryNetworkANic() {
    List<String> args =
        QemuCommand.build(
            "qemu-system-x86_64",
            "tcg",
            vm(List.of("lan", "dmz")),
            "127.0.0.1:10809",
            Path.of("/v/qmp.sock"),
            Path.of("/v/console.log"),
            null);
    String line = String.join(" ", args);
    assertThat(line)
        .contains("-accel tcg -smp 2 -m 512M")
        .contains("file=nbd://127.0.0.1:10809/disk-a,format=raw,if=virtio,cache=none")
        .contains("file=nbd://127.0.0.1:10809/disk-b,format=raw,if=virtio,cache=none")
        .contains("-qmp unix:/v/qmp.sock,server=on,wait=off")
        .contains("path=/v/console.log")
        .contains("-boot c");
    assertThat(args.stream().filter(a -> a.startsWith("user,model=virtio-net-pci"))).hasSize(2);
  }

  @Test
  void R27_aTestFailoverNetworkIsIsolated_noNic() {
    String line =
        String.join(
            " ",
            QemuCommand.build(
                "qemu-system-x86_64",
                "tcg",
                vm(List.of("haven-test-item-1")),
                "127.0.0.1:1",
                Path.of("q"),
                Path.of("c"),
                null));
    assertThat(line).contains("-nic none").doesNotContain("-nic user");
  }

  @Test
  void R5_aDiskWithABootHeaderBootsItsOwnKernel() throws Exception {
    byte[] disk = new byte[64 << 10];
    byte[] header =
        "HAVEN-BOOT 1\nkernel 4096 5\ninitrd 8192 3\ncmdline console=ttyS0 quiet\n"
            .getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(header, 0, disk, 0, header.length);
    System.arraycopy("KERNL".getBytes(StandardCharsets.US_ASCII), 0, disk, 4096, 5);
    System.arraycopy("INI".getBytes(StandardCharsets.US_ASCII), 0, disk, 8192, 3);
    DiskView view = view(disk);
    BootHeader boot = BootHeader.read(view).orElseThrow();
    assertThat(boot.cmdline()).isEqualTo("console=ttyS0 quiet");
    boot.extract(view, tmp.resolve("kernel"), tmp.resolve("initrd"));
    assertThat(Files.readString(tmp.resolve("kernel"))).isEqualTo("KERNL");
    assertThat(Files.readString(tmp.resolve("initrd"))).isEqualTo("INI");

    assertThat(BootHeader.read(view(new byte[4096]))).isEmpty();
    byte[] outside = new byte[4096];
    byte[] bad = "HAVEN-BOOT 1\nkernel 4000 999999\n".getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(bad, 0, outside, 0, bad.length);
    assertThatThrownBy(() -> BootHeader.read(view(outside))).isInstanceOf(IOException.class);
  }

  private static DiskView view(byte[] bytes) {
    return new DiskView() {
      @Override
      public long size() {
        return bytes.length;
      }

      @Override
      public void read(long offset, ByteBuffer dst) {
        dst.put(bytes, (int) offset, dst.remaining());
      }
    };
  }
}
