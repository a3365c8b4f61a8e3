package dev.haven.agent.disk;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.BitSet;

/**
 * The 128-bit hashes of a disk's fixed blocks as the disk holds them now, kept in memory so that a
 * resync need not read and hash the whole image again, on either side.
 *
 * <p>A stale hash that falsely matches would make a resync skip a block that differs and lose data
 * without a word, so the cache is built to be exact rather than fast:
 *
 * <ul>
 *   <li>Every write of the disk ({@link TrackedDisk} calls {@link #beginWrite} before it touches
 *       the image and {@link #endWrite} after) drops the hashes of every block it touches and bumps
 *       each block's version twice, so a version is odd while a write is in flight.
 *   <li>A hash is stored only with the version read before its block's bytes were read ({@link
 *       #version}), and only if that version was even and is still current ({@link #store}): a
 *       write that raced with the read leaves the block uncached, never cached with old bytes.
 *   <li>Writes that bypass Haven (another process changing the image file) are caught by the
 *       image's length and modification time, recorded after each of Haven's own writes and checked
 *       before every use ({@link #checkImage}): any difference drops every hash.
 *   <li>Nothing is kept on disk: after a restart the first resync hashes the whole image again, so
 *       no crash, replay or out-of-band change while the agent was down can leave a stale entry.
 * </ul>
 */
public final class BlockHashCache {
  /**
   * The most blocks a cache is kept for: 20 bytes of memory a block, so 80 MiB for a 256 GiB disk
   * of 64 KiB blocks. A larger disk is hashed afresh on every resync rather than risk the agent's
   * heap.
   */
  public static final long MAX_BLOCKS = 1L << 22;

  private final Path image;
  private final long diskSize;
  private final int blockSize;
  private final long[] hashes;
  private final int[] versions;
  private final BitSet valid;
  private long knownLength = -1;
  private FileTime knownModified;
  private int writesInFlight;

  BlockHashCache(Path image, long diskSize, int blockSize) {
    long blocks = (diskSize + blockSize - 1) / blockSize;
    if (!fits(diskSize, blockSize)) {
      throw new IllegalArgumentException("disk too large for a block hash cache");
    }
    this.image = image;
    this.diskSize = diskSize;
    this.blockSize = blockSize;
    this.hashes = new long[(int) blocks * 2];
    this.versions = new int[(int) blocks];
    this.valid = new BitSet((int) blocks);
  }

  /** Whether a cache is kept for a disk of {@code diskSize} bytes in {@code blockSize} blocks. */
  public static boolean fits(long diskSize, int blockSize) {
    return (diskSize + blockSize - 1) / blockSize <= MAX_BLOCKS;
  }

  /** The block size the hashes are of. */
  public int blockSize() {
    return blockSize;
  }

  /** Blocks in the disk. */
  public int blocks() {
    return versions.length;
  }

  /** Called before a write of {@code length} bytes at {@code offset} reaches the image. */
  synchronized void beginWrite(long offset, long length) {
    writesInFlight++;
    touch(offset, length);
  }

  /** Called after the write reached the image (or failed): the image's new state is Haven's. */
  synchronized void endWrite(long offset, long length) {
    touch(offset, length);
    writesInFlight--;
    if (writesInFlight == 0) {
      rememberImage();
    }
  }

  private void touch(long offset, long length) {
    if (length <= 0) {
      return;
    }
    int first = (int) (offset / blockSize);
    int last = (int) Math.min(versions.length - 1, (offset + length - 1) / blockSize);
    for (int b = first; b <= last; b++) {
      versions[b]++;
    }
    valid.clear(first, last + 1);
  }

  /**
   * Drops every hash when the image file changed behind Haven's back (another length or
   * modification time than after Haven's last write), or when that cannot be told.
   */
  public synchronized void checkImage() {
    if (writesInFlight > 0) {
      return;
    }
    try {
      long length = Files.size(image);
      FileTime modified = Files.getLastModifiedTime(image);
      if (length != knownLength || !modified.equals(knownModified)) {
        valid.clear();
        knownLength = length;
        knownModified = modified;
      }
    } catch (IOException e) {
      valid.clear();
      knownLength = -1;
    }
  }

  private void rememberImage() {
    try {
      knownLength = Files.size(image);
      knownModified = Files.getLastModifiedTime(image);
    } catch (IOException e) {
      valid.clear();
      knownLength = -1;
    }
  }

  /**
   * The version of block {@code block} to pass to {@link #store} once its bytes were read and
   * hashed; -1 while a write of it is in flight (its hash must not be stored then).
   */
  public synchronized int version(long block) {
    int v = versions[(int) block];
    return (v & 1) == 0 ? v : -1;
  }

  /** Copies the cached hash of {@code block} into {@code out}; false when none is cached. */
  public synchronized boolean lookup(long block, long[] out) {
    int b = (int) block;
    if (!valid.get(b)) {
      return false;
    }
    out[0] = hashes[2 * b];
    out[1] = hashes[2 * b + 1];
    return true;
  }

  /**
   * Stores the hash of {@code block} read at {@code version}; ignored unless that version is even
   * and still current (no write began since).
   */
  public synchronized void store(long block, int version, long low, long high) {
    int b = (int) block;
    if (version < 0 || versions[b] != version || knownLength < 0) {
      return;
    }
    hashes[2 * b] = low;
    hashes[2 * b + 1] = high;
    valid.set(b);
  }

  /** Blocks whose hash is cached now, for tests and diagnostics. */
  public synchronized int cachedBlocks() {
    return valid.cardinality();
  }

  /** The disk size the cache was made for. */
  public long diskSize() {
    return diskSize;
  }
}
