package dev.haven.cloud.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP relay on a loopback port in front of a test server, which counts the connections a client
 * opens. When the server behind it is gone, the relay accepts the client's connection and then
 * drops it, as a load balancer in front of a dead server does; a test sees from the count how many
 * times the client has tried.
 */
final class LoopbackProxy implements AutoCloseable {
  private final ServerSocket listener;
  private final int upstreamPort;
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicInteger dropped = new AtomicInteger();
  private final AtomicInteger toRefuse = new AtomicInteger();
  private final AtomicInteger refused = new AtomicInteger();
  private final List<Socket> open = new CopyOnWriteArrayList<>();

  LoopbackProxy(int upstreamPort) throws IOException {
    this.upstreamPort = upstreamPort;
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::acceptLoop, "proxy-" + port());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return listener.getLocalPort();
  }

  /** Connections clients opened so far. */
  int connections() {
    return connections.get();
  }

  /** Connections dropped because the server behind could not be reached. */
  int dropped() {
    return dropped.get();
  }

  /**
   * Answers the next {@code count} connections' first request with {@code 503 Service Unavailable}
   * and closes them, as an overloaded service or a load balancer does.
   */
  void answerUnavailable(int count) {
    toRefuse.set(count);
  }

  /** Requests answered with 503 so far. */
  int unavailableAnswers() {
    return refused.get();
  }

  private void acceptLoop() {
    while (!listener.isClosed()) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        return;
      }
      connections.incrementAndGet();
      open.add(client);
      if (toRefuse.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        Thread thread = new Thread(() -> answerUnavailable(client), "proxy-503");
        thread.setDaemon(true);
        thread.start();
        continue;
      }
      Socket server = new Socket();
      try {
        server.connect(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), upstreamPort), 5_000);
      } catch (IOException e) {
        dropped.incrementAndGet();
        reset(client);
        continue;
      }
      open.add(server);
      relay(client, server);
      relay(server, client);
    }
  }

  private void relay(Socket from, Socket to) {
    Thread thread =
        new Thread(
            () -> {
              byte[] buffer = new byte[64 << 10];
              try (InputStream in = from.getInputStream()) {
                OutputStream out = to.getOutputStream();
                int n;
                while ((n = in.read(buffer)) >= 0) {
                  out.write(buffer, 0, n);
                }
              } catch (IOException e) {
                // One side went away; closing both below ends the other direction too.
              }
              closeQuietly(from);
              closeQuietly(to);
            },
            "proxy-relay");
    thread.setDaemon(true);
    thread.start();
  }

  private void answerUnavailable(Socket client) {
    try (client) {
      // Read the request head, so that the answer is one to a request and not a reset.
      InputStream in = client.getInputStream();
      int matched = 0;
      int read = 0;
      byte[] end = {'\r', '\n', '\r', '\n'};
      int b;
      while (matched < 4 && read < 64 << 10 && (b = in.read()) >= 0) {
        read++;
        matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
      }
      OutputStream out = client.getOutputStream();
      out.write(
          ("HTTP/1.1 503 Service Unavailable\r\n"
                  + "Content-Length: 0\r\n"
                  + "Connection: close\r\n\r\n")
              .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      out.flush();
      refused.incrementAndGet();
    } catch (IOException e) {
      // The client gave up first; it counts as no answer.
    }
  }

  /** Closes with a TCP reset, as a connection to a process that died ends. */
  private static void reset(Socket socket) {
    try {
      socket.setSoLinger(true, 0);
    } catch (IOException e) {
      // The close below still ends the connection, with a FIN instead of a reset.
    }
    closeQuietly(socket);
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // Already closed.
    }
  }

  @Override
  public void close() throws IOException {
    listener.close();
    for (Socket socket : open) {
      closeQuietly(socket);
    }
  }
}
