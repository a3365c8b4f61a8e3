import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * A minimal NBD client (fixed newstyle, NBD_OPT_GO, simple replies) for the scale benchmark's
 * churn: it connects, writes a few blocks, flushes and disconnects. A guest this small costs the
 * load generator almost nothing, so the figures are Haven's, not qemu-io's start-up. The protocol
 * is doc/proto.md of the NetworkBlockDevice project.
 */
final class NbdGuest implements AutoCloseable {
  private static final long NBDMAGIC = 0x4e42444d41474943L;
  private static final long IHAVEOPT = 0x49484156454F5054L;
  private static final long REPLY_MAGIC = 0x3e889045565a9L;
  private static final int REQUEST_MAGIC = 0x25609513;
  private static final int SIMPLE_REPLY_MAGIC = 0x67446698;
  private static final int FLAG_FIXED_NEWSTYLE = 1;
  private static final int FLAG_NO_ZEROES = 2;
  private static final int OPT_GO = 7;
  private static final int REP_ACK = 1;
  private static final int REP_INFO = 3;
  private static final int INFO_EXPORT = 0;
  private static final int CMD_WRITE = 1;
  private static final int CMD_DISC = 2;
  private static final int CMD_FLUSH = 3;

  private final Socket socket;
  private final DataInputStream in;
  private final DataOutputStream out;
  private long size = -1;
  private long handle;

  /** Opens {@code nbd://host:port/export} and negotiates the export with NBD_OPT_GO. */
  NbdGuest(String uri) throws IOException {
    URI u = URI.create(uri);
    socket = new Socket();
    socket.setTcpNoDelay(true);
    socket.connect(new InetSocketAddress(u.getHost(), u.getPort()), 10_000);
    socket.setSoTimeout(60_000);
    in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
    out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()));
    try {
      handshake(u.getPath().substring(1));
    } catch (IOException | RuntimeException e) {
      socket.close();
      throw e;
    }
  }

  private void handshake(String export) throws IOException {
    if (in.readLong() != NBDMAGIC || in.readLong() != IHAVEOPT) {
      throw new IOException("not an NBD newstyle server");
    }
    int serverFlags = in.readUnsignedShort();
    if ((serverFlags & FLAG_FIXED_NEWSTYLE) == 0) {
      throw new IOException("server is not fixed newstyle");
    }
    out.writeInt(FLAG_FIXED_NEWSTYLE | (serverFlags & FLAG_NO_ZEROES));
    byte[] name = export.getBytes(StandardCharsets.UTF_8);
    out.writeLong(IHAVEOPT);
    out.writeInt(OPT_GO);
    out.writeInt(4 + name.length + 2);
    out.writeInt(name.length);
    out.write(name);
    out.writeShort(0);
    out.flush();
    while (true) {
      if (in.readLong() != REPLY_MAGIC) {
        throw new IOException("bad option reply magic");
      }
      in.readInt();
      int type = in.readInt();
      int length = in.readInt();
      byte[] data = in.readNBytes(length);
      if (type == REP_ACK) {
        break;
      }
      if (type < 0) {
        throw new IOException(
            "export '" + export + "' refused: " + new String(data, StandardCharsets.UTF_8));
      }
      if (type == REP_INFO && length >= 12 && ((data[0] << 8) | (data[1] & 0xff)) == INFO_EXPORT) {
        size = java.nio.ByteBuffer.wrap(data, 2, 8).getLong();
      }
    }
  }

  /** The export's size in bytes, as the server announced it. */
  long size() {
    return size;
  }

  void write(long offset, byte[] data) throws IOException {
    request(CMD_WRITE, offset, data.length);
    out.write(data);
    out.flush();
    reply();
  }

  void flush() throws IOException {
    request(CMD_FLUSH, 0, 0);
    out.flush();
    reply();
  }

  private void request(int type, long offset, int length) throws IOException {
    out.writeInt(REQUEST_MAGIC);
    out.writeShort(0);
    out.writeShort(type);
    out.writeLong(++handle);
    out.writeLong(offset);
    out.writeInt(length);
  }

  private void reply() throws IOException {
    if (in.readInt() != SIMPLE_REPLY_MAGIC) {
      throw new IOException("bad reply magic");
    }
    int error = in.readInt();
    long h = in.readLong();
    if (h != handle) {
      throw new IOException("reply to handle " + h + ", expected " + handle);
    }
    if (error != 0) {
      throw new IOException("NBD error " + error);
    }
  }

  @Override
  public void close() throws IOException {
    try {
      request(CMD_DISC, 0, 0);
      out.flush();
    } finally {
      socket.close();
    }
  }
}
