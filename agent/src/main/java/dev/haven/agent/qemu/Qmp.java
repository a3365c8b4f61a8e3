package dev.haven.agent.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/**
 * A client of QEMU's machine protocol (QMP) on the guest's Unix socket: it reads the greeting,
 * enters command mode and runs one command at a time, skipping the asynchronous events between.
 */
final class Qmp implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final SocketChannel channel;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();
  private final ByteBuffer in = ByteBuffer.allocate(8192);

  private Qmp(SocketChannel channel) {
    this.channel = channel;
    in.flip();
  }

  /** Connects to the socket and negotiates capabilities. */
  static Qmp connect(Path socket) throws IOException {
    SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
    Qmp qmp = new Qmp(channel);
    try {
      JsonNode greeting = qmp.readMessage();
      if (!greeting.has("QMP")) {
        throw new IOException("not a QMP greeting: " + greeting);
      }
      qmp.execute("qmp_capabilities");
      return qmp;
    } catch (IOException e) {
      channel.close();
      throw e;
    }
  }

  /** Runs {@code command}; answers its {@code return} value, or fails with QMP's error. */
  JsonNode execute(String command) throws IOException {
    byte[] request =
        (JSON.writeValueAsString(Map.of("execute", command)) + "\n")
            .getBytes(StandardCharsets.UTF_8);
    ByteBuffer out = ByteBuffer.wrap(request);
    while (out.hasRemaining()) {
      channel.write(out);
    }
    while (true) {
      JsonNode reply = readMessage();
      if (reply.has("return")) {
        return reply.get("return");
      }
      if (reply.has("error")) {
        throw new IOException("QMP " + command + " failed: " + reply.get("error"));
      }
      // An event ("event": ...) arrived first; the reply follows.
    }
  }

  private JsonNode readMessage() throws IOException {
    while (true) {
      while (in.hasRemaining()) {
        byte b = in.get();
        if (b == '\n') {
          String text = line.toString(StandardCharsets.UTF_8).trim();
          line.reset();
          if (!text.isEmpty()) {
            return JSON.readTree(text);
          }
        } else {
          line.write(b);
        }
      }
      in.clear();
      int n = channel.read(in);
      in.flip();
      if (n < 0) {
        throw new IOException("QMP socket closed");
      }
    }
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
