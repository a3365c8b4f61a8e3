package dev.haven.agent.nbd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A deliberately bare NBD client for the cases real clients never produce: oversized or
 * out-of-range requests, unusual options, and clients that vanish halfway through a request.
 */
final class RawNbdClient implements Closeable {
  static final int NO_ZEROES = 2;
  static final int FIXED_NEWSTYLE = 1;

  final Socket socket;
  final DataInputStream in;
  final DataOutputStream out;

  /** An option reply: the option it answers, its type and its data. */
  record OptionReply(int option, int type, byte[] data) {
    String message() {
      return new String(data, StandardCharsets.UTF_8);
    }
  }

  /** A simple reply, with the data that followed it when one was expected. */
  record Reply(int error, long handle, byte[] data) {}

  private RawNbdClient(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new DataInputStream(socket.getInputStream());
    this.out = new DataOutputStream(socket.getOutputStream());
  }

  /** Connects, checks the greeting and answers it with {@code clientFlags}. */
  static RawNbdClient connect(int port, int clientFlags) throws IOException {
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
    socket.setSoTimeout(10_000);
    RawNbdClient client = new RawNbdClient(socket);
    assertThat(client.in.readLong()).isEqualTo(NbdConstants.NBDMAGIC);
    assertThat(client.in.readLong()).isEqualTo(NbdConstants.IHAVEOPT);
    assertThat(client.in.readUnsignedShort()).isEqualTo(3);
    client.out.writeInt(clientFlags);
    client.out.flush();
    return client;
  }

  /** Connects with fixed newstyle and no zeroes, and enters transmission with NBD_OPT_GO. */
  static RawNbdClient attach(int port, String export) throws IOException {
    RawNbdClient client = connect(port, FIXED_NEWSTYLE | NO_ZEROES);
    client.sendGo(export, NbdConstants.INFO_BLOCK_SIZE);
    OptionReply reply;
    do {
      reply = client.readOptionReply();
    } while (reply.type() == NbdConstants.REP_INFO);
    assertThat(reply.type()).isEqualTo(NbdConstants.REP_ACK);
    return client;
  }

  void sendOption(int option, byte[] data) throws IOException {
    out.writeLong(NbdConstants.IHAVEOPT);
    out.writeInt(option);
    out.writeInt(data.length);
    out.write(data);
    out.flush();
  }

  void sendGo(String export, int... infoRequests) throws IOException {
    byte[] name = export.getBytes(StandardCharsets.UTF_8);
    ByteBuffer data = ByteBuffer.allocate(4 + name.length + 2 + 2 * infoRequests.length);
    data.putInt(name.length).put(name).putShort((short) infoRequests.length);
    for (int info : infoRequests) {
      data.putShort((short) info);
    }
    sendOption(NbdConstants.OPT_GO, data.array());
  }

  OptionReply readOptionReply() throws IOException {
    assertThat(in.readLong()).isEqualTo(NbdConstants.OPTION_REPLY_MAGIC);
    int option = in.readInt();
    int type = in.readInt();
    byte[] data = new byte[in.readInt()];
    in.readFully(data);
    return new OptionReply(option, type, data);
  }

  /** Sends a request header, and {@code payload} after it when not null. */
  void request(int flags, int type, long handle, long offset, long length, byte[] payload)
      throws IOException {
    out.writeInt(NbdConstants.REQUEST_MAGIC);
    out.writeShort(flags);
    out.writeShort(type);
    out.writeLong(handle);
    out.writeLong(offset);
    out.writeInt((int) length);
    if (payload != null) {
      out.write(payload);
    }
    out.flush();
  }

  /** Reads a simple reply; {@code dataLength} bytes follow it only when it reports success. */
  Reply readReply(int dataLength) throws IOException {
    assertThat(in.readInt()).isEqualTo(NbdConstants.SIMPLE_REPLY_MAGIC);
    int error = in.readInt();
    long handle = in.readLong();
    byte[] data = new byte[error == 0 ? dataLength : 0];
    in.readFully(data);
    return new Reply(error, handle, data);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
