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
 * The transmission phase of one connection: this thread reads requests and their payloads, and a
 * few {@link RequestWorkers} run them against the export's device and answer with simple replies,
 * as each finishes; clients match replies to requests by handle. So the next write's payload is
 * read from the socket while the previous one is on the device, and writes with FUA wait for their
 * fdatasync side by side (sharing it) instead of one after another.
 *
 * <p>Each request in flight has a direct payload buffer of its own from a {@link PayloadPool}, so
 * that data goes from the socket to the device (and back) without a copy on the Java heap; the
 * pool's budget bounds the memory a client can make the connection hold.
 */
final class NbdTransmission {
  private static final Logger log = LoggerFactory.getLogger(NbdTransmission.class);
  private static final int WORKERS = 4;
  private static final int PAYLOAD_BUDGET = 64 * 1024 * 1024;
  private static final int SKIP_BUFFER = 1024 * 1024;

  private final SocketChannel channel;
  private final NbdExport export;
  private final BlockDevice device;
  private final NbdReplies replies;
  private final PayloadPool payloads = new PayloadPool(PAYLOAD_BUDGET);
  private final ByteBuffer header = ByteBuffer.allocateDirect(NbdRequest.SIZE);
  private RequestWorkers workers;

  NbdTransmission(SocketChannel channel, NbdExport export) {
    this.channel = channel;
    this.export = export;
    this.device = export.device();
    this.replies = new NbdReplies(channel);
  }

  /**
   * Serves requests until NBD_CMD_DISC or the client closing between two requests, and returns only
   * once every request taken has finished on the device.
   */
  void serve() throws IOException {
    try (RequestWorkers running = new RequestWorkers(WORKERS, "nbd-" + export.name() + "-")) {
      workers = running;
      readRequests();
    }
  }

  private void readRequests() throws IOException {
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
          // Requests still running finish (and are answered) before serve() returns.
          return;
        case CMD_FLUSH:
          run(request, null, device::flush);
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
    PayloadPool.Payload payload = payloads.acquire((int) request.length());
    ByteBuffer data = payload.buffer();
    workers.submit(
        () -> {
          try {
            int errno = onDevice(request, () -> device.read(request.offset(), data));
            if (errno != 0) {
              reply(() -> replies.error(request.handle(), errno));
            } else {
              data.rewind();
              reply(() -> replies.data(request.handle(), data));
            }
          } finally {
            payloads.release(payload);
          }
        });
  }

  private void write(NbdRequest request) throws IOException {
    if (request.length() > MAX_PAYLOAD) {
      // The payload must still be consumed to keep the stream in step; the client broke the
      // announced maximum, but the connection can go on.
      NbdWire.skip(channel, request.length(), ByteBuffer.allocate(SKIP_BUFFER));
      replies.error(request.handle(), EINVAL);
      return;
    }
    PayloadPool.Payload payload = payloads.acquire((int) request.length());
    ByteBuffer data = payload.buffer();
    try {
      NbdWire.readFully(channel, data);
    } catch (IOException | RuntimeException e) {
      payloads.release(payload);
      throw e;
    }
    data.flip();
    if (!request.within(export.size())) {
      payloads.release(payload);
      replies.error(request.handle(), ENOSPC);
      return;
    }
    run(request, payload, () -> device.write(request.offset(), data, request.fua()));
  }

  private void trim(NbdRequest request) throws IOException {
    if (!request.within(export.size())) {
      replies.error(request.handle(), EINVAL);
      return;
    }
    run(
        request,
        null,
        () -> {
          device.trim(request.offset(), request.length());
          if (request.fua()) {
            device.flush();
          }
        });
  }

  private void writeZeroes(NbdRequest request) throws IOException {
    if (!request.within(export.size())) {
      replies.error(request.handle(), ENOSPC);
      return;
    }
    run(request, null, () -> device.writeZeroes(request.offset(), request.length(), request.fua()));
  }

  /** Runs a request without reply data on a worker; its payload (if any) is released after. */
  private void run(NbdRequest request, PayloadPool.Payload payload, DeviceCall call) {
    workers.submit(
        () -> {
          try {
            int errno = onDevice(request, call);
            reply(() -> replies.send(request.handle(), errno));
          } finally {
            if (payload != null) {
              payloads.release(payload);
            }
          }
        });
  }

  /**
   * Sends a reply from a worker. A reply that cannot be sent means the client is gone: closing the
   * channel ends the reader too, instead of leaving it waiting for requests that will not come.
   */
  private void reply(ReplyCall call) {
    try {
      call.send();
    } catch (IOException e) {
      log.debug("export {}: reply failed, closing: {}", export.name(), e.toString());
      try {
        channel.close();
      } catch (IOException closing) {
        e.addSuppressed(closing);
      }
    }
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

  /** Sends one reply. */
  @FunctionalInterface
  private interface ReplyCall {
    void send() throws IOException;
  }

  /** A call on the device that may fail with an IOException. */
  @FunctionalInterface
  private interface DeviceCall {
    void run() throws IOException;
  }
}
