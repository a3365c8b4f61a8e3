package dev.haven.agent.nbd;

import static dev.haven.agent.nbd.NbdConstants.CMD_DISC;
import static dev.haven.agent.nbd.NbdConstants.CMD_FLAG_FUA;
import static dev.haven.agent.nbd.NbdConstants.CMD_READ;
import static dev.haven.agent.nbd.NbdConstants.CMD_TRIM;
import static dev.haven.agent.nbd.NbdConstants.CMD_WRITE;
import static dev.haven.agent.nbd.NbdConstants.CMD_WRITE_ZEROES;
import static dev.haven.agent.nbd.NbdConstants.EINVAL;
import static dev.haven.agent.nbd.NbdConstants.EIO;
import static dev.haven.agent.nbd.NbdConstants.ENOSPC;
import static dev.haven.agent.nbd.NbdConstants.MAX_PAYLOAD;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The NBD server at the edges of the protocol, driven byte by byte by {@link RawNbdClient}. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class NbdProtocolEdgesTest {
  private static final int SIZE = 4 << 20;

  @TempDir Path dir;
  private final MapExportResolver resolver = new MapExportResolver();
  private FileBlockDevice disk;
  private NbdServer server;
  private int port;

  @BeforeEach
  void startServer() throws IOException {
    disk = FileBlockDevice.create(dir.resolve("disk.raw"), SIZE);
    resolver.put("disk", disk);
    server = new NbdServer(resolver);
    port = server.start("127.0.0.1", 0);
  }

  @AfterEach
  void stopServer() throws IOException {
    server.close();
    disk.close();
  }

  @Test
  void R5_unsupportedOptionsAreRefusedAndHagglingGoesOn() throws IOException {
    try (RawNbdClient client = RawNbdClient.connect(port, RawNbdClient.FIXED_NEWSTYLE)) {
      client.sendOption(8, new byte[0]); // NBD_OPT_STRUCTURED_REPLY
      assertThat(client.readOptionReply().type()).isEqualTo(NbdConstants.REP_ERR_UNSUP);
      client.sendOption(5, new byte[0]); // NBD_OPT_STARTTLS
      assertThat(client.readOptionReply().type()).isEqualTo(NbdConstants.REP_ERR_UNSUP);
      client.sendOption(NbdConstants.OPT_LIST, new byte[3]);
      assertThat(client.readOptionReply().type()).isEqualTo(NbdConstants.REP_ERR_INVALID);
      client.sendOption(NbdConstants.OPT_GO, new byte[] {0, 0, 0, 9, 'x'});
      assertThat(client.readOptionReply().type()).isEqualTo(NbdConstants.REP_ERR_INVALID);
      client.sendGo("nope");
      RawNbdClient.OptionReply unknown = client.readOptionReply();
      assertThat(unknown.type()).isEqualTo(NbdConstants.REP_ERR_UNKNOWN);
      assertThat(unknown.message()).contains("nope");

      client.sendOption(NbdConstants.OPT_INFO, goData("disk"));
      RawNbdClient.OptionReply info = client.readOptionReply();
      assertThat(info.type()).isEqualTo(NbdConstants.REP_INFO);
      ByteBuffer export = ByteBuffer.wrap(info.data());
      assertThat(export.getShort()).isEqualTo((short) NbdConstants.INFO_EXPORT);
      assertThat(export.getLong()).isEqualTo(SIZE);
      assertThat(export.getShort()).isEqualTo((short) NbdConstants.TRANSMISSION_FLAGS);
      assertThat(client.readOptionReply().type()).isEqualTo(NbdConstants.REP_ACK);

      client.sendOption(NbdConstants.OPT_ABORT, new byte[0]);
      assertThat(client.readOptionReply().type()).isEqualTo(NbdConstants.REP_ACK);
      assertThat(client.in.read()).isEqualTo(-1);
    }
  }

  @Test
  void R5_exportNameHonoursNoZeroesAndDropsTheSessionForAnUnknownName() throws IOException {
    for (int flags : new int[] {RawNbdClient.FIXED_NEWSTYLE, 3}) {
      try (RawNbdClient client = RawNbdClient.connect(port, flags)) {
        client.sendOption(NbdConstants.OPT_EXPORT_NAME, "disk".getBytes(StandardCharsets.UTF_8));
        assertThat(client.in.readLong()).isEqualTo(SIZE);
        assertThat(client.in.readUnsignedShort()).isEqualTo(NbdConstants.TRANSMISSION_FLAGS);
        int zeroes = (flags & RawNbdClient.NO_ZEROES) != 0 ? 0 : 124;
        client.in.readFully(new byte[zeroes]);
        client.request(0, CMD_READ, 7, 0, 512, null);
        assertThat(client.readReply(512).handle()).isEqualTo(7);
      }
    }
    try (RawNbdClient client = RawNbdClient.connect(port, RawNbdClient.FIXED_NEWSTYLE)) {
      client.sendOption(NbdConstants.OPT_EXPORT_NAME, "nope".getBytes(StandardCharsets.UTF_8));
      assertThat(client.in.read()).isEqualTo(-1);
    }
    try (RawNbdClient client = RawNbdClient.connect(port, 0x10)) {
      assertThat(client.in.read()).as("unknown client flags end the session").isEqualTo(-1);
    }
  }

  @Test
  void R5_oversizedAndOutOfRangeRequestsFailAloneAndTheConnectionGoesOn() throws IOException {
    try (RawNbdClient client = RawNbdClient.attach(port, "disk")) {
      client.request(0, CMD_READ, 1, 0, MAX_PAYLOAD + 1L, null);
      assertReply(client.readReply(0), EINVAL, 1);
      client.request(0, CMD_WRITE, 2, 0, MAX_PAYLOAD + 1L, new byte[MAX_PAYLOAD + 1]);
      assertReply(client.readReply(0), EINVAL, 2);
      client.request(0, CMD_READ, 3, SIZE - 512, 1024, null);
      assertReply(client.readReply(0), EINVAL, 3);
      client.request(0, CMD_READ, 4, Long.MIN_VALUE, 512, null);
      assertReply(client.readReply(0), EINVAL, 4);
      client.request(0, CMD_WRITE, 5, SIZE - 512, 1024, new byte[1024]);
      assertReply(client.readReply(0), ENOSPC, 5);
      client.request(0, CMD_WRITE_ZEROES, 6, SIZE, 1, null);
      assertReply(client.readReply(0), ENOSPC, 6);
      client.request(0, CMD_TRIM, 7, -4096L, 4096, null);
      assertReply(client.readReply(0), EINVAL, 7);
      client.request(0, 42, 8, 0, 0, null);
      assertReply(client.readReply(0), EINVAL, 8);

      byte[] data = new byte[4096];
      Arrays.fill(data, (byte) 0x3c);
      client.request(CMD_FLAG_FUA, CMD_WRITE, 9, SIZE - 4096, 4096, data);
      assertReply(client.readReply(0), 0, 9);
      client.request(0, CMD_READ, 10, SIZE - 4096, 4096, null);
      assertThat(client.readReply(4096).data()).isEqualTo(data);
      assertThat(disk.fuaWrites.get()).isEqualTo(1);
    }
  }

  @Test
  void R5_pipelinedRequestsAreAllAnsweredWithTheirHandles() throws IOException {
    // Requests in flight run side by side and are answered as they finish, so replies are matched
    // by handle, as the protocol has clients do.
    try (RawNbdClient client = RawNbdClient.attach(port, "disk")) {
      for (int i = 0; i < 64; i++) {
        byte[] data = new byte[65536];
        Arrays.fill(data, (byte) i);
        client.request(0, CMD_WRITE, 1000 + i, i * 65536L, data.length, data);
      }
      Set<Long> written = new HashSet<>();
      for (int i = 0; i < 64; i++) {
        RawNbdClient.Reply reply = client.readReply(0);
        assertThat(reply.error()).isZero();
        written.add(reply.handle());
      }
      assertThat(written).hasSize(64).allSatisfy(h -> assertThat(h).isBetween(1000L, 1063L));
      for (int i = 0; i < 64; i++) {
        client.request(0, CMD_READ, 2000 + i, i * 65536L, 65536, null);
      }
      Set<Long> read = new HashSet<>();
      for (int i = 0; i < 64; i++) {
        RawNbdClient.Reply reply = client.readReply(65536);
        int block = (int) (reply.handle() - 2000);
        assertThat(reply.data()).containsOnly((byte) block);
        read.add(reply.handle());
      }
      assertThat(read).hasSize(64);
      client.request(0, CMD_DISC, 3000, 0, 0, null);
      assertThat(client.in.read()).isEqualTo(-1);
    }
  }

  @Test
  void R5_aDeviceFailureIsEioForThatRequestOnly() throws IOException {
    try (RawNbdClient client = RawNbdClient.attach(port, "disk")) {
      disk.failing = true;
      client.request(0, CMD_WRITE, 1, 0, 512, new byte[512]);
      assertReply(client.readReply(0), EIO, 1);
      client.request(0, CMD_READ, 2, 0, 512, null);
      assertReply(client.readReply(512), EIO, 2);
      disk.failing = false;
      client.request(0, CMD_READ, 3, 0, 512, null);
      assertThat(client.readReply(512).error()).isZero();
    }
  }

  @Test
  void R5_aClientVanishingMidRequestDisturbsNoOtherConnection() throws Exception {
    try (RawNbdClient steady = RawNbdClient.attach(port, "disk")) {
      try (RawNbdClient vanishing = RawNbdClient.attach(port, "disk")) {
        // Announce 1 MiB of payload but send only a part of it, then close the socket.
        vanishing.request(0, CMD_WRITE, 1, 0, 1 << 20, new byte[1000]);
      }
      try (RawNbdClient midHeader = RawNbdClient.attach(port, "disk")) {
        midHeader.out.write(new byte[] {0x25, 0x60});
        midHeader.out.flush();
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (server.clientCount("disk") > 1 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(server.clientCount("disk")).isEqualTo(1);
      steady.request(0, CMD_WRITE, 2, 0, 512, new byte[512]);
      assertReply(steady.readReply(0), 0, 2);
    }
    try (RawNbdClient fresh = RawNbdClient.attach(port, "disk")) {
      fresh.request(0, CMD_READ, 3, 0, 512, null);
      assertThat(fresh.readReply(512).error()).isZero();
    }
  }

  @Test
  void R5_closeStopsAcceptingAndDisconnectsEveryone() throws IOException {
    RawNbdClient client = RawNbdClient.attach(port, "disk");
    server.close();
    try (client) {
      client.request(0, CMD_READ, 1, 0, 512, null);
      assertThat(client.in.read()).isEqualTo(-1);
    } catch (EOFException | java.net.SocketException e) {
      // A reset instead of an orderly end is just as much a disconnect.
    }
    assertThat(canConnect()).isFalse();
  }

  private boolean canConnect() {
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static byte[] goData(String export) {
    byte[] name = export.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(6 + name.length).putInt(name.length).put(name).array();
  }

  private static void assertReply(RawNbdClient.Reply reply, int error, long handle) {
    assertThat(reply.handle()).isEqualTo(handle);
    assertThat(reply.error()).as("error of the reply to request %d", handle).isEqualTo(error);
  }
}
