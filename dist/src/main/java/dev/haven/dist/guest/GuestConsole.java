package dev.haven.dist.guest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the demo guest says on its serial console (the {@code console.log} in its VM folder): at
 * each boot {@code HAVEN-DEMO last-intact-record=N torn=T}, then {@code HAVEN-DEMO synced=N} for
 * every record once it is on the disk, and {@code HAVEN-DEMO shutdown last-synced=N} when the power
 * button stopped it.
 */
public final class GuestConsole {
  private static final Pattern BOOT =
      Pattern.compile("HAVEN-DEMO last-intact-record=(\\d+) torn=(\\d+)");
  private static final Pattern SYNCED = Pattern.compile("HAVEN-DEMO synced=(\\d+)");
  private static final Pattern SHUTDOWN = Pattern.compile("HAVEN-DEMO shutdown last-synced=(\\d+)");

  /** What the guest found on its disk at a boot. */
  public record Boot(long lastIntactRecord, long torn) {}

  private final Path log;

  public GuestConsole(Path log) {
    this.log = log;
  }

  public Path path() {
    return log;
  }

  private List<String> lines() throws IOException {
    return Files.exists(log)
        ? Files.readAllLines(log, java.nio.charset.StandardCharsets.ISO_8859_1)
        : List.of();
  }

  /** Every boot report so far, oldest first. */
  public List<Boot> boots() throws IOException {
    return lines().stream()
        .map(BOOT::matcher)
        .filter(Matcher::find)
        .map(m -> new Boot(Long.parseLong(m.group(1)), Long.parseLong(m.group(2))))
        .toList();
  }

  /** The last record the guest reported on disk, if any. */
  public OptionalLong lastSynced() throws IOException {
    return last(SYNCED);
  }

  /** The last record synced before a power-button shutdown, if the guest reported one. */
  public OptionalLong shutdownLastSynced() throws IOException {
    return last(SHUTDOWN);
  }

  private OptionalLong last(Pattern pattern) throws IOException {
    OptionalLong found = OptionalLong.empty();
    for (String line : lines()) {
      Matcher m = pattern.matcher(line);
      if (m.find()) {
        found = OptionalLong.of(Long.parseLong(m.group(1)));
      }
    }
    return found;
  }

  /** Waits up to {@code seconds} (real time) until {@code done} holds; false if it never did. */
  public boolean await(Check done, int seconds) throws IOException, InterruptedException {
    for (int i = 0; i < seconds * 10; i++) {
      if (done.test(this)) {
        return true;
      }
      Thread.sleep(100);
    }
    return done.test(this);
  }

  /** A condition on the console. */
  @FunctionalInterface
  public interface Check {
    boolean test(GuestConsole console) throws IOException;
  }
}
