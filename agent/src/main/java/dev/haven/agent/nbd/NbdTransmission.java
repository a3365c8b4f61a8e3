package dev.haven.agent.nbd;

import static dev.haven.agent.nbd.NbdConstants.CMD_DISC;
import static dev.haven.agent.nbd.NbdConstants.CMD_FLUSH;
import static dev.haven.agent.nbd.NbdConstants.CMD_READ;
import static dev.haven.agent.nbd.NbdConstants.CMD_TRIM;
import static dev.haven.agent.nbd.NbdConstants.CMD_WRITE;
import static dev.haven.agent.nbd.NbdConstants.CMD_WRITE_ZEROES;
import static dev.haven.agent.nbd.NbdConstants.EINVAL;
import static dev.haven.agent.nbd.NbdConstants.EIO;
import static dev.haven.agent.nbd.NbdConstants.ENOSPC;
import static dev.haven.agent.nbd.NbdConstants.MAX_PAYLOAD;

import dev.haven.agent.disk.BlockDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transmission phase of one connection: reads requests, runs them against the export's device
 * and answers with simple replies, one request at a time and in order.
 *
 * <p>Payloads travel through one direct buffer per connection, so that data goes from the socket to
 * the device (and back) without a copy on the Java heap. The buffer grows to the largest request
 * seen, up to the 32 MiB maximum announced in NBD_INFO_BLOCK_SIZE.
 */
final class NbdTransmission {
  private static final Logger log = LoggerFactory.getLogger(NbdTransmission.class);
  private static final int INITIAL_PAYLOAD = 256 * 1024;

  private final SocketChannel channel;
  private final NbdExport export;
  private final BlockDevice device;
  private final NbdReplies replies;
  private final ByteBuffer header = ByteBuffer.allocateDirect(NbdRequest.SIZE);
  private ByteBuffer payload = ByteBuffer.allocateDirect(INITIAL_PAYLOAD);

  NbdTransmission(SocketChannel channel, NbdExport export) {
    this.channel = channel;
    this.export = export;
    this.device = export.device();
    this.replies = new NbdReplies(channel);
  }

  /** Serves requests until NBD_CMD_DISC or the client closing between two requests. */
  void serve() throws IOException {
    while (true) {
      header.clear();
      if (!NbdWire.readFullyOrEnd(channel, header)) {
        return;
      }
      header.flip();
      NbdRequest request = NbdRequest.parse(header);
      switch (request.type()) {
        case CMD_READ:
          read(request);
          break;
        case CMD_WRITE:
          write(request);
          break;
        case CMD_DISC:
          // Every earlier request has been answered already, since they run in order.
          return;
        case CMD_FLUSH:
          replies.send(request.handle(), onDevice(request, device::flush));
          break;
        case CMD_TRIM:
          trim(request);
          break;
        case CMD_WRITE_ZEROES:
          writeZeroes(request);
          break;
        default:
          replies.error(request.handle(), EINVAL);
      }
    }
  }

  private void read(NbdRequest request) throws IOException {
    if (request.length() > MAX_PAYLOAD || !request.within(export.size())) {
      replies.error(request.handle(), EINVAL);
      return;
    }
    ByteBuffer data = payload((int) request.length());
    int errno = onDevice(request, () -> device.read(request.offset(), data));
    if (errno != 0) {
      replies.error(request.handle(), errno);
      return;
    }
    data.rewind();
    replies.data(request.handle(), data);
  }

  private void write(NbdRequest request) throws IOException {
    if (request.length() > MAX_PAYLOAD) {
      // The payload must still be consumed to keep the stream in step; the client broke the
      // announced maximum, but the connection can go on.
      NbdWire.skip(channel, request.length(), payload);
      replies.error(request.handle(), EINVAL);
      return;
    }
    ByteBuffer data = payload((int) request.length());
    NbdWire.readFully(channel, data);
    data.flip();
    if (!request.within(export.size())) {
      replies.error(request.handle(), ENOSPC);
      return;
    }
    replies.send(
        request.handle(),
        onDevice(request, () -> device.write(request.offset(), data, request.fua())));
  }

  private void trim(NbdRequest request) throws IOException {
    if (!request.within(export.size())) {
      replies.error(request.handle(), EINVAL);
      return;
    }
    DeviceCall call =
        () -> {
          device.trim(request.offset(), request.length());
          if (request.fua()) {
            device.flush();
          }
        };
    replies.send(request.handle(), onDevice(request, call));
  }

  private void writeZeroes(NbdRequest request) throws IOException {
    if (!request.within(export.size())) {
      replies.error(request.handle(), ENOSPC);
      return;
    }
    replies.send(
        request.handle(),
        onDevice(
            request, () -> device.writeZeroes(request.offset(), request.length(), request.fua())));
  }

  /** The payload buffer, cleared and limited to {@code length} bytes; grown when too small. */
  private ByteBuffer payload(int length) {
    if (payload.capacity() < length) {
      int grown = Math.min(MAX_PAYLOAD, Integer.highestOneBit(length - 1) << 1);
      payload = ByteBuffer.allocateDirect(Math.max(grown, length));
    }
    payload.clear().limit(length);
    return payload;
  }

  /** Runs a device call and turns its failure into the errno the client will see (0 if none). */
  private int onDevice(NbdRequest request, DeviceCall call) {
    try {
      call.run();
      return 0;
    } catch (IOException e) {
      log.warn("export {}: request {} failed: {}", export.name(), describe(request), e.toString());
      return errnoFor(e);
    } catch (RuntimeException e) {
      log.error("export {}: request {} failed", export.name(), describe(request), e);
      return EIO;
    }
  }

  /** A full file system is ENOSPC, which lets a guest tell it apart from a broken disk. */
  private static int errnoFor(IOException e) {
    String message = e.getMessage();
    return message != null && message.contains("No space left on device") ? ENOSPC : EIO;
  }

  private static String describe(NbdRequest request) {
    return "type=" + request.type() + " offset=" + request.offset() + " length=" + request.length();
  }

  /** A call on the device that may fail with an IOException. */
  @FunctionalInterface
  private interface DeviceCall {
    void run() throws IOException;
  }
}
