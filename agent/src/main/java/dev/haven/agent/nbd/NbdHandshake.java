package dev.haven.agent.nbd;

import static dev.haven.agent.nbd.NbdConstants.FLAG_C_FIXED_NEWSTYLE;
import static dev.haven.agent.nbd.NbdConstants.FLAG_C_NO_ZEROES;
import static dev.haven.agent.nbd.NbdConstants.FLAG_FIXED_NEWSTYLE;
import static dev.haven.agent.nbd.NbdConstants.FLAG_NO_ZEROES;
import static dev.haven.agent.nbd.NbdConstants.IHAVEOPT;
import static dev.haven.agent.nbd.NbdConstants.INFO_BLOCK_SIZE;
import static dev.haven.agent.nbd.NbdConstants.INFO_EXPORT;
import static dev.haven.agent.nbd.NbdConstants.INFO_NAME;
import static dev.haven.agent.nbd.NbdConstants.MAX_OPTION_LENGTH;
import static dev.haven.agent.nbd.NbdConstants.MAX_PAYLOAD;
import static dev.haven.agent.nbd.NbdConstants.MIN_BLOCK_SIZE;
import static dev.haven.agent.nbd.NbdConstants.NBDMAGIC;
import static dev.haven.agent.nbd.NbdConstants.OPTION_REPLY_MAGIC;
import static dev.haven.agent.nbd.NbdConstants.OPT_ABORT;
import static dev.haven.agent.nbd.NbdConstants.OPT_EXPORT_NAME;
import static dev.haven.agent.nbd.NbdConstants.OPT_GO;
import static dev.haven.agent.nbd.NbdConstants.OPT_INFO;
import static dev.haven.agent.nbd.NbdConstants.OPT_LIST;
import static dev.haven.agent.nbd.NbdConstants.PREFERRED_BLOCK_SIZE;
import static dev.haven.agent.nbd.NbdConstants.REP_ACK;
import static dev.haven.agent.nbd.NbdConstants.REP_ERR_INVALID;
import static dev.haven.agent.nbd.NbdConstants.REP_ERR_TOO_BIG;
import static dev.haven.agent.nbd.NbdConstants.REP_ERR_UNKNOWN;
import static dev.haven.agent.nbd.NbdConstants.REP_ERR_UNSUP;
import static dev.haven.agent.nbd.NbdConstants.REP_INFO;
import static dev.haven.agent.nbd.NbdConstants.REP_SERVER;
import static dev.haven.agent.nbd.NbdConstants.TRANSMISSION_FLAGS;

import dev.haven.agent.disk.BlockDevice;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The server side of the fixed newstyle handshake: the greeting, then option haggling until the
 * client picks an export (NBD_OPT_EXPORT_NAME or NBD_OPT_GO), aborts, or goes away. The handshake
 * exchanges a few small messages, so it uses plain heap buffers.
 */
final class NbdHandshake {
  private static final int INFO_EXPORT_LENGTH = 12;
  private static final int INFO_BLOCK_SIZE_LENGTH = 14;

  private final SocketChannel channel;
  private final ExportResolver resolver;
  private boolean noZeroes;
  private boolean aborted;

  NbdHandshake(SocketChannel channel, ExportResolver resolver) {
    this.channel = channel;
    this.resolver = resolver;
  }

  /** Runs the handshake; empty when the client aborted or closed without choosing an export. */
  Optional<NbdExport> negotiate() throws IOException {
    if (!greet()) {
      return Optional.empty();
    }
    ByteBuffer header = ByteBuffer.allocate(16);
    while (true) {
      header.clear();
      if (!NbdWire.readFullyOrEnd(channel, header)) {
        return Optional.empty();
      }
      header.flip();
      if (header.getLong() != IHAVEOPT) {
        throw new NbdProtocolException("option without the IHAVEOPT magic");
      }
      int option = header.getInt();
      long length = Integer.toUnsignedLong(header.getInt());
      if (length > MAX_OPTION_LENGTH) {
        if (option == OPT_EXPORT_NAME) {
          throw new NbdProtocolException("export name of " + length + " bytes");
        }
        NbdWire.skip(channel, length, ByteBuffer.allocate(8192));
        reply(option, REP_ERR_TOO_BIG, "option data of " + length + " bytes is too long");
        continue;
      }
      ByteBuffer data = ByteBuffer.allocate((int) length);
      NbdWire.readFully(channel, data);
      data.flip();
      Optional<NbdExport> chosen = handleOption(option, data);
      if (chosen.isPresent() || aborted) {
        return chosen;
      }
    }
  }

  /** Sends the greeting and reads the client's flags; false when the client left at once. */
  private boolean greet() throws IOException {
    ByteBuffer greeting = ByteBuffer.allocate(18);
    greeting.putLong(NBDMAGIC).putLong(IHAVEOPT);
    greeting.putShort((short) (FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES)).flip();
    NbdWire.writeFully(channel, greeting);

    ByteBuffer clientFlags = ByteBuffer.allocate(4);
    if (!NbdWire.readFullyOrEnd(channel, clientFlags)) {
      return false;
    }
    int flags = clientFlags.getInt(0);
    if ((flags & ~(FLAG_C_FIXED_NEWSTYLE | FLAG_C_NO_ZEROES)) != 0) {
      throw new NbdProtocolException("unknown client flags 0x" + Integer.toHexString(flags));
    }
    noZeroes = (flags & FLAG_C_NO_ZEROES) != 0;
    return true;
  }

  /**
   * Answers one option. Returns the export when the client entered transmission, otherwise empty
   * (and {@link #aborted} tells whether haggling ended).
   */
  private Optional<NbdExport> handleOption(int option, ByteBuffer data) throws IOException {
    switch (option) {
      case OPT_EXPORT_NAME:
        return Optional.of(exportName(data));
      case OPT_GO:
      case OPT_INFO:
        try {
          Optional<NbdExport> export = info(option, data);
          return option == OPT_GO ? export : Optional.empty();
        } catch (BufferUnderflowException e) {
          reply(option, REP_ERR_INVALID, "malformed option data");
          return Optional.empty();
        }
      case OPT_LIST:
        list(data);
        return Optional.empty();
      case OPT_ABORT:
        reply(option, REP_ACK, "");
        aborted = true;
        return Optional.empty();
      default:
        // Structured replies, meta contexts, TLS and the rest: the client falls back politely.
        reply(option, REP_ERR_UNSUP, "option " + option + " is not supported");
        return Optional.empty();
    }
  }

  /** NBD_OPT_EXPORT_NAME cannot answer with an error, so an unknown name ends the session. */
  private NbdExport exportName(ByteBuffer data) throws IOException {
    String name = StandardCharsets.UTF_8.decode(data).toString();
    BlockDevice device =
        resolver
            .resolve(name)
            .orElseThrow(() -> new NbdProtocolException("no export named '" + name + "'"));
    long size = device.size();
    ByteBuffer answer = ByteBuffer.allocate(noZeroes ? 10 : 134);
    answer.putLong(size).putShort((short) TRANSMISSION_FLAGS);
    answer.position(answer.limit()).flip();
    NbdWire.writeFully(channel, answer);
    return new NbdExport(name, device, size);
  }

  /** NBD_OPT_INFO and NBD_OPT_GO: describe the export, ACK, and for GO enter transmission. */
  private Optional<NbdExport> info(int option, ByteBuffer data) throws IOException {
    int nameLength = data.getInt();
    if (nameLength < 0 || nameLength > data.remaining() - 2) {
      reply(option, REP_ERR_INVALID, "export name length out of bounds");
      return Optional.empty();
    }
    byte[] nameBytes = new byte[nameLength];
    data.get(nameBytes);
    int requests = Short.toUnsignedInt(data.getShort());
    if (data.remaining() != requests * 2) {
      reply(option, REP_ERR_INVALID, "information request count does not match the data");
      return Optional.empty();
    }
    boolean wantName = false;
    boolean wantBlockSize = false;
    for (int i = 0; i < requests; i++) {
      int type = Short.toUnsignedInt(data.getShort());
      wantName |= type == INFO_NAME;
      wantBlockSize |= type == INFO_BLOCK_SIZE;
    }
    String name = new String(nameBytes, StandardCharsets.UTF_8);
    Optional<BlockDevice> device = resolver.resolve(name);
    if (device.isEmpty()) {
      reply(option, REP_ERR_UNKNOWN, "no export named '" + name + "' on this host");
      return Optional.empty();
    }
    long size = device.get().size();
    ByteBuffer export = ByteBuffer.allocate(INFO_EXPORT_LENGTH);
    export.putShort((short) INFO_EXPORT).putLong(size).putShort((short) TRANSMISSION_FLAGS);
    reply(option, REP_INFO, export.flip());
    if (wantName) {
      ByteBuffer info = ByteBuffer.allocate(2 + nameBytes.length);
      reply(option, REP_INFO, info.putShort((short) INFO_NAME).put(nameBytes).flip());
    }
    if (wantBlockSize) {
      // Announced only on request: a client that did not ask keeps the protocol's defaults,
      // which these values do not tighten.
      ByteBuffer info = ByteBuffer.allocate(INFO_BLOCK_SIZE_LENGTH);
      info.putShort((short) INFO_BLOCK_SIZE);
      info.putInt(MIN_BLOCK_SIZE).putInt(PREFERRED_BLOCK_SIZE).putInt(MAX_PAYLOAD);
      reply(option, REP_INFO, info.flip());
    }
    reply(option, REP_ACK, "");
    return Optional.of(new NbdExport(name, device.get(), size));
  }

  /** NBD_OPT_LIST: one NBD_REP_SERVER per export, then ACK. */
  private void list(ByteBuffer data) throws IOException {
    if (data.hasRemaining()) {
      reply(OPT_LIST, REP_ERR_INVALID, "NBD_OPT_LIST takes no data");
      return;
    }
    for (String name : resolver.exportNames()) {
      byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
      ByteBuffer server = ByteBuffer.allocate(4 + bytes.length);
      reply(OPT_LIST, REP_SERVER, server.putInt(bytes.length).put(bytes).flip());
    }
    reply(OPT_LIST, REP_ACK, "");
  }

  private void reply(int option, int type, String message) throws IOException {
    reply(option, type, ByteBuffer.wrap(message.getBytes(StandardCharsets.UTF_8)));
  }

  private void reply(int option, int type, ByteBuffer data) throws IOException {
    ByteBuffer header = ByteBuffer.allocate(20);
    header.putLong(OPTION_REPLY_MAGIC).putInt(option).putInt(type).putInt(data.remaining());
    NbdWire.writeFully(channel, header.flip(), data);
  }
}
