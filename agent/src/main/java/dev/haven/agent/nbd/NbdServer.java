package dev.haven.agent.nbd;

import dev.haven.agent.disk.BlockDevice;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's NBD server: serves the disks of running VMs to their guests (QEMU, qemu-io, nbdcopy
 * and any other NBD client) with the fixed newstyle handshake and simple replies.
 *
 * <p>Each connection runs on a pooled thread of its own, so a slow or vanished client never holds
 * up another. Exports come from an {@link ExportResolver} at handshake time, so the set follows the
 * VMs as they power on and off; {@link #closeExport} disconnects the guests of one that stopped.
 */
public final class NbdServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NbdServer.class);
  private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(10);

  private final ExportResolver resolver;
  private final Set<NbdConnection> connections = ConcurrentHashMap.newKeySet();
  private final ExecutorService connectionThreads =
      Executors.newCachedThreadPool(daemonThreads("nbd-connection-"));
  private ServerSocketChannel listener;
  private Thread acceptor;
  private volatile boolean closed;

  /** A server that is not listening yet; exports are looked up in {@code resolver}. */
  public NbdServer(ExportResolver resolver) {
    this.resolver = resolver;
  }

  /** Binds and starts serving; returns the bound port (useful with port 0). */
  public synchronized int start(String host, int port) throws IOException {
    if (closed || listener != null) {
      throw new IllegalStateException(closed ? "NBD server is closed" : "NBD server is running");
    }
    ServerSocketChannel channel = ServerSocketChannel.open();
    try {
      channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
      channel.bind(new InetSocketAddress(host, port));
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
    listener = channel;
    int bound = ((InetSocketAddress) channel.getLocalAddress()).getPort();
    acceptor = daemonThreads("nbd-accept-" + bound + "-").newThread(() -> acceptLoop(channel));
    acceptor.start();
    log.info("NBD server listening on {}:{}", host, bound);
    return bound;
  }

  /** Flushes and disconnects every client of an export (its VM powered off). */
  public void closeExport(String exportName) {
    List<NbdConnection> attached = new ArrayList<>();
    for (NbdConnection connection : connections) {
      if (connection.serves(exportName)) {
        attached.add(connection);
      }
    }
    attached.forEach(NbdConnection::disconnect);
    Set<BlockDevice> devices = Collections.newSetFromMap(new IdentityHashMap<>());
    resolver.resolve(exportName).ifPresent(devices::add);
    drainAndFlush(attached, devices);
    log.info("closed NBD export {}: {} client(s) disconnected", exportName, attached.size());
  }

  @Override
  public void close() {
    List<NbdConnection> all;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      closeListener();
      all = new ArrayList<>(connections);
    }
    all.forEach(NbdConnection::disconnect);
    drainAndFlush(all, Collections.newSetFromMap(new IdentityHashMap<>()));
    // shutdown, never shutdownNow: an interrupt would close the devices' FileChannels.
    connectionThreads.shutdown();
    joinAcceptor();
  }

  /** How many clients are in transmission with the named export now; for tests. */
  int clientCount(String exportName) {
    int count = 0;
    for (NbdConnection connection : connections) {
      count += connection.serves(exportName) ? 1 : 0;
    }
    return count;
  }

  private void acceptLoop(ServerSocketChannel channel) {
    while (!closed) {
      SocketChannel client;
      try {
        client = channel.accept();
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException e) {
        // Typically out of file descriptors: back off instead of spinning.
        log.warn("NBD accept failed: {}", e.toString());
        sleepQuietly(100);
        continue;
      }
      serve(client);
    }
  }

  private void serve(SocketChannel client) {
    try {
      // Replies are small and latency-bound; Nagle would hold each one back.
      client.setOption(StandardSocketOptions.TCP_NODELAY, true);
    } catch (IOException e) {
      log.debug("TCP_NODELAY not set: {}", e.toString());
    }
    NbdConnection connection = new NbdConnection(client, resolver, connections::remove);
    connections.add(connection);
    try {
      connectionThreads.execute(connection);
    } catch (RejectedExecutionException e) {
      connections.remove(connection);
      connection.disconnect();
      return;
    }
    if (closed) {
      connection.disconnect();
    }
  }

  /**
   * Waits for disconnected connections to finish their last device call, then flushes their devices
   * (and any extra ones), so that every write a guest saw acknowledged is durable.
   */
  private void drainAndFlush(List<NbdConnection> disconnected, Set<BlockDevice> devices) {
    for (NbdConnection connection : disconnected) {
      try {
        if (!connection.awaitEnd(DRAIN_TIMEOUT)) {
          log.warn("{} did not finish within {}", connection, DRAIN_TIMEOUT);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        log.warn("interrupted while waiting for {}", connection);
      }
      connection.export().ifPresent(export -> devices.add(export.device()));
    }
    for (BlockDevice device : devices) {
      try {
        device.flush();
      } catch (IOException | RuntimeException e) {
        log.warn("flushing an NBD export's device failed: {}", e.toString());
      }
    }
  }

  private void closeListener() {
    if (listener == null) {
      return;
    }
    try {
      listener.close();
    } catch (IOException e) {
      log.debug("closing the NBD listener failed: {}", e.toString());
    }
  }

  private void joinAcceptor() {
    Thread thread;
    synchronized (this) {
      thread = acceptor;
    }
    if (thread == null) {
      return;
    }
    try {
      thread.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger counter = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, prefix + counter.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}
