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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transmission phase of one connection, served by a few threads in turn (leader and followers):
 * the thread that holds the reading role reads one request and its payload, hands the role on, then
 * runs the request against the export's device and sends its simple reply; clients match replies to
 * requests by handle. So the next write's payload is read from the socket while the previous one is
 * on the device, writes with FUA wait for their fdatasync side by side (sharing it), and a client
 * that sends one request at a time pays no hand-off between threads.
 *
 * <p>Each request in flight has a direct payload buffer of its own from a {@link PayloadPool}, so
 * that data goes from the socket to the device (and back) without a copy on the Java heap; the
 * pool's budget bounds the memory a client can make the connection hold. The threads are never
 * interrupted: an interrupt during file I/O would close the device's FileChannel under every other
 * connection.
 */
final class NbdTransmission {
  private static final Logger log = LoggerFactory.getLogger(NbdTransmission.class);
  private static final int THREADS = 4;
  private static final int PAYLOAD_BUDGET = 64 * 1024 * 1024;
  private static final int SKIP_BUFFER = 1024 * 1024;
  private static final Runnable ANSWERED = () -> {};

  private final SocketChannel channel;
  private final NbdExport export;
  private final BlockDevice device;
  private final NbdReplies replies;
  private final PayloadPool payloads = new PayloadPool(PAYLOAD_BUDGET);
  private final ReentrantLock reading = new ReentrantLock();
  // Guarded by reading.
  private final ByteBuffer header = ByteBuffer.allocateDirect(NbdRequest.SIZE);
  private volatile boolean ended;
  private volatile IOException failure;

  NbdTransmission(SocketChannel channel, NbdExport export) {
    this.channel = channel;
    this.export = export;
    this.device = export.device();
    this.replies = new NbdReplies(channel);
  }

  /**
   * Serves requests until NBD_CMD_DISC or the client closing between two requests, and returns only
   * once every request taken has finished on the device; a broken stream is rethrown.
   */
  void serve() throws IOException {
    List<Thread> helpers = new ArrayList<>();
    for (int i = 1; i < THREADS; i++) {
      Thread helper = new Thread(this::takeTurns, "nbd-" + export.name() + "-" + i);
      helper.setDaemon(true);
      helper.start();
      helpers.add(helper);
    }
    takeTurns();
    boolean interrupted = false;
    for (Thread helper : helpers) {
      while (helper.isAlive()) {
        try {
          helper.join();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    if (failure != null) {
      throw failure;
    }
  }

  /** Reads a request while holding the reading role, then runs it; until the stream ends. */
  private void takeTurns() {
    while (true) {
      Runnable work;
      reading.lock();
      try {
        if (ended) {
          return;
        }
        work = readRequest();
        if (work == null) {
          ended = true;
          return;
        }
      } catch (IOException e) {
        failure = e;
        ended = true;
        return;
      } catch (RuntimeException e) {
        failure = new IOException("serving the connection failed", e);
        ended = true;
        return;
      } finally {
        reading.unlock();
      }
      work.run();
    }
  }

  /**
   * Reads the next request, answering at once the ones that need no device; answers what is left to
   * do, or null at the end of the stream. Requests still running when the stream ends finish (and
   * are answered) before serve() returns.
   */
  private Runnable readRequest() throws IOException {
    header.clear();
    if (!NbdWire.readFullyOrEnd(channel, header)) {
      return null;
    }
    header.flip();
    NbdRequest request = NbdRequest.parse(header);
    switch (request.type()) {
      case CMD_READ:
        return read(request);
      case CMD_WRITE:
        return write(request);
      case CMD_DISC:
        return null;
      case CMD_FLUSH:
        return run(request, null, device::flush);
      case CMD_TRIM:
        return trim(request);
      case CMD_WRITE_ZEROES:
        return writeZeroes(request);
      default:
        replies.error(request.handle(), EINVAL);
        return ANSWERED;
    }
  }

  private Runnable read(NbdRequest request) throws IOException {
    if (request.length() > MAX_PAYLOAD || !request.within(export.size())) {
      replies.error(request.handle(), EINVAL);
      return ANSWERED;
    }
    PayloadPool.Payload payload = payloads.acquire((int) request.length());
    ByteBuffer data = payload.buffer();
    return () -> {
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
    };
  }

  private Runnable write(NbdRequest request) throws IOException {
    if (request.length() > MAX_PAYLOAD) {
      // The payload must still be consumed to keep the stream in step; the client broke the
      // announced maximum, but the connection can go on.
      NbdWire.skip(channel, request.length(), ByteBuffer.allocate(SKIP_BUFFER));
      replies.error(request.handle(), EINVAL);
      return ANSWERED;
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
      return ANSWERED;
    }
    return run(request, payload, () -> device.write(request.offset(), data, request.fua()));
  }

  private Runnable trim(NbdRequest request) throws IOException {
    if (!request.within(export.size())) {
      replies.error(request.handle(), EINVAL);
      return ANSWERED;
    }
    return run(
        request,
        null,
        () -> {
          device.trim(request.offset(), request.length());
          if (request.fua()) {
            device.flush();
          }
        });
  }

  private Runnable writeZeroes(NbdRequest request) throws IOException {
    if (!request.within(export.size())) {
      replies.error(request.handle(), ENOSPC);
      return ANSWERED;
    }
    return run(
        request, null, () -> device.writeZeroes(request.offset(), request.length(), request.fua()));
  }

  /** A request without reply data, to run; its payload (if any) is released after. */
  private Runnable run(NbdRequest request, PayloadPool.Payload payload, DeviceCall call) {
    return () -> {
      try {
        int errno = onDevice(request, call);
        reply(() -> replies.send(request.handle(), errno));
      } finally {
        if (payload != null) {
          payloads.release(payload);
        }
      }
    };
  }

  /**
   * Sends a reply from the thread that ran the request. A reply that cannot be sent means the
   * client is gone: closing the channel ends the reader too, instead of leaving it waiting for
   * requests that will not come.
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
