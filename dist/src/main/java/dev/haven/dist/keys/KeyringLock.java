package dev.haven.dist.keys;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive hold on a keyring for one rotation, through a lock file beside it ({@code
 * KEYRING.lock}). Two rotations at once would each save the keyring with their own new key, and the
 * one saved first would vanish with the data keys it had already rewrapped: cloud replicas nobody
 * could read again. A second rotation therefore stops at once with a message naming the lock,
 * before it reads anything. The lock is the operating system's, so a rotation killed midway leaves
 * no stale lock behind; the file itself stays and is harmless.
 */
public final class KeyringLock implements AutoCloseable {
  private final FileChannel channel;
  private final FileLock lock;

  private KeyringLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /** Takes the lock of {@code keyringFile}, or fails naming who may hold it. */
  public static KeyringLock acquire(Path keyringFile) throws IOException {
    Path file = lockFile(keyringFile);
    FileChannel channel =
        FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      // This process already holds it.
      lock = null;
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
    if (lock == null) {
      channel.close();
      throw new IOException(
          "another key rotation of "
              + keyringFile
              + " is running (it holds "
              + file
              + "); nothing was changed: run this again when it has ended");
    }
    return new KeyringLock(channel, lock);
  }

  /** The lock file of {@code keyringFile}: beside it, its name plus {@code .lock}. */
  public static Path lockFile(Path keyringFile) {
    Path absolute = keyringFile.toAbsolutePath();
    return absolute.resolveSibling(absolute.getFileName() + ".lock");
  }

  @Override
  public void close() throws IOException {
    try {
      lock.release();
    } finally {
      channel.close();
    }
  }
}
