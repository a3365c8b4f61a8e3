package dev.haven.agent.nbd;

/**
 * Numbers of the NBD protocol as {@code doc/proto.md} of the NetworkBlockDevice project defines
 * them. All of them travel in network byte order.
 */
final class NbdConstants {
  private NbdConstants() {}

  /** ASCII "NBDMAGIC", the first eight bytes a server sends. */
  static final long NBDMAGIC = 0x4e42444d41474943L;

  /** ASCII "IHAVEOPT", sent by the server in the greeting and by the client before each option. */
  static final long IHAVEOPT = 0x49484156454F5054L;

  /** Magic of every fixed-newstyle option reply. */
  static final long OPTION_REPLY_MAGIC = 0x3e889045565a9L;

  static final int REQUEST_MAGIC = 0x25609513;
  static final int SIMPLE_REPLY_MAGIC = 0x67446698;

  // Handshake flags (server) and client flags.
  static final int FLAG_FIXED_NEWSTYLE = 1;
  static final int FLAG_NO_ZEROES = 1 << 1;
  static final int FLAG_C_FIXED_NEWSTYLE = 1;
  static final int FLAG_C_NO_ZEROES = 1 << 1;

  // Transmission flags.
  static final int FLAG_HAS_FLAGS = 1;
  static final int FLAG_SEND_FLUSH = 1 << 2;
  static final int FLAG_SEND_FUA = 1 << 3;
  static final int FLAG_SEND_TRIM = 1 << 5;
  static final int FLAG_SEND_WRITE_ZEROES = 1 << 6;

  /**
   * What every export offers. CAN_MULTI_CONN stays off: a flush on one connection is not promised
   * to cover writes acknowledged on another.
   */
  static final int TRANSMISSION_FLAGS =
      FLAG_HAS_FLAGS | FLAG_SEND_FLUSH | FLAG_SEND_FUA | FLAG_SEND_TRIM | FLAG_SEND_WRITE_ZEROES;

  // Options.
  static final int OPT_EXPORT_NAME = 1;
  static final int OPT_ABORT = 2;
  static final int OPT_LIST = 3;
  static final int OPT_INFO = 6;
  static final int OPT_GO = 7;

  // Option reply types; errors have bit 31 set.
  static final int REP_ACK = 1;
  static final int REP_SERVER = 2;
  static final int REP_INFO = 3;
  static final int REP_ERR_UNSUP = 0x80000000 | 1;
  static final int REP_ERR_INVALID = 0x80000000 | 3;
  static final int REP_ERR_UNKNOWN = 0x80000000 | 6;
  static final int REP_ERR_TOO_BIG = 0x80000000 | 9;

  // Information types of NBD_OPT_INFO and NBD_OPT_GO.
  static final int INFO_EXPORT = 0;
  static final int INFO_NAME = 1;
  static final int INFO_BLOCK_SIZE = 3;

  // Block size constraints announced through NBD_INFO_BLOCK_SIZE.
  static final int MIN_BLOCK_SIZE = 1;
  static final int PREFERRED_BLOCK_SIZE = 4096;
  static final int MAX_PAYLOAD = 32 * 1024 * 1024;

  /** The longest option payload accepted; export names are at most 4096 bytes. */
  static final int MAX_OPTION_LENGTH = 64 * 1024;

  // Commands and command flags.
  static final int CMD_READ = 0;
  static final int CMD_WRITE = 1;
  static final int CMD_DISC = 2;
  static final int CMD_FLUSH = 3;
  static final int CMD_TRIM = 4;
  static final int CMD_WRITE_ZEROES = 6;
  static final int CMD_FLAG_FUA = 1;

  // Error values of simple replies (Linux errno numbers, as the protocol fixes them).
  static final int EIO = 5;
  static final int EINVAL = 22;
  static final int ENOSPC = 28;
}
