package dev.haven.dist.guest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Haven's demo guest: a Debian kernel and a busybox initramfs whose {@code /init} keeps a log of
 * numbered, checksummed records on its disk and reports, at boot, the last intact record it finds.
 * {@link #build} fetches the packages ({@code apt-get download}) and builds {@code disk.raw} into a
 * cache folder with {@code build-demo-guest.sh}; nothing of it is committed. The disk carries its
 * own kernel and initramfs (see the agent's boot header), so a replica boots like the original.
 */
public final class DemoGuest {
  private static final List<String> SOURCES = List.of("build-demo-guest.sh", "init");

  private DemoGuest() {}

  /** The default cache folder: {@code ~/.cache/haven/demo-guest}. */
  public static Path defaultCache() {
    return Path.of(System.getProperty("user.home"), ".cache", "haven", "demo-guest");
  }

  /**
   * Builds (or finds, when up to date) the demo guest's raw disk in {@code cache} and answers its
   * path.
   */
  public static Path build(Path cache) throws IOException, InterruptedException {
    Path sources = Files.createDirectories(cache.resolve("src"));
    for (String name : SOURCES) {
      byte[] content;
      try (InputStream in = DemoGuest.class.getResourceAsStream(name)) {
        if (in == null) {
          throw new IOException("resource " + name + " is missing");
        }
        content = in.readAllBytes();
      }
      Path file = sources.resolve(name);
      // Rewritten only when changed: the script rebuilds when /init is newer than the disk.
      if (!Files.exists(file) || !Arrays.equals(Files.readAllBytes(file), content)) {
        Files.write(file, content);
      }
    }
    Path log = cache.resolve("build.log");
    Process build =
        new ProcessBuilder(
                "sh", sources.resolve("build-demo-guest.sh").toString(), cache.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    if (!build.waitFor(10, TimeUnit.MINUTES)) {
      build.destroyForcibly();
      throw new IOException("building the demo guest took over 10 minutes; see " + log);
    }
    if (build.exitValue() != 0) {
      throw new IOException(
          "building the demo guest failed (" + build.exitValue() + "): " + Files.readString(log));
    }
    return cache.resolve("disk.raw");
  }
}
