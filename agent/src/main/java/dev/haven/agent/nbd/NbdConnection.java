package dev.haven.agent.nbd;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection, from the handshake to the end of transmission, run on a thread of its own.
 * Whatever happens to it (the client vanishing mid-request, a protocol violation, a device error)
 * ends this connection only.
 */
final class NbdConnection implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(NbdConnection.class);

  private final SocketChannel channel;
  private final ExportResolver resolver;
  private final Consumer<NbdConnection> onEnd;
  private final CountDownLatch ended = new CountDownLatch(1);
  private final String peer;
  private volatile NbdExport export;

  NbdConnection(SocketChannel channel, ExportResolver resolver, Consumer<NbdConnection> onEnd) {
    this.channel = channel;
    this.resolver = resolver;
    this.onEnd = onEnd;
    this.peer = describePeer(channel);
  }

  @Override
  public void run() {
    try {
      Optional<NbdExport> chosen = new NbdHandshake(channel, resolver).negotiate();
      if (chosen.isPresent()) {
        export = chosen.get();
        log.debug("{} attached to export {}", peer, export.name());
        new NbdTransmission(channel, export).serve();
      }
      log.debug("{} disconnected", peer);
    } catch (ClosedChannelException e) {
      // The server closed the channel on purpose: closeExport or close.
      log.debug("{} disconnected by the server", peer);
    } catch (EOFException e) {
      log.debug("{} went away: {}", peer, e.getMessage());
    } catch (IOException e) {
      log.info("{} dropped: {}", peer, e.toString());
    } catch (RuntimeException e) {
      log.warn("{} dropped after an unexpected failure", peer, e);
    } finally {
      disconnect();
      onEnd.accept(this);
      ended.countDown();
    }
  }

  /** The export this connection is in transmission with, if it got that far. */
  Optional<NbdExport> export() {
    return Optional.ofNullable(export);
  }

  /** Whether this connection is in transmission with the named export. */
  boolean serves(String exportName) {
    NbdExport current = export;
    return current != null && current.name().equals(exportName);
  }

  /**
   * Closes the socket, which wakes the connection's thread out of any blocked read or write. The
   * thread is never interrupted instead: an interrupt during file I/O would close the device's
   * FileChannel under every other connection too.
   */
  void disconnect() {
    try {
      channel.close();
    } catch (IOException e) {
      log.debug("closing {} failed: {}", peer, e.toString());
    }
  }

  /** Waits until the connection's thread has finished with the device. */
  boolean awaitEnd(Duration timeout) throws InterruptedException {
    return ended.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public String toString() {
    return "NBD client " + peer;
  }

  private static String describePeer(SocketChannel channel) {
    try {
      SocketAddress address = channel.getRemoteAddress();
      return String.valueOf(address);
    } catch (IOException e) {
      return "unknown peer";
    }
  }
}
