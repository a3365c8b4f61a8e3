import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.haven.dist.client.HavenApiClient;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The RPO-under-load benchmark's driver (issue 4 point 8), run from source with the Haven jar on
 * the class path by {@code bench/lib/rpo-under-load.sh} against a running {@code haven standalone}:
 *
 * <pre>java -cp haven.jar bench/java/RpoUnderLoad.java API_URL SECONDS WRITE_MB_S COPY_FREQ_S DISK_MIB</pre>
 *
 * <p>It sets the primary→secondary policy's copy frequency, creates a running VM with one disk at
 * the primary site, and has a real NBD client (one qemu-io process in writeback mode, fed commands
 * at a steady pace) write random 64 KiB blocks at WRITE_MB_S megabytes per second with a flush
 * every second, as a guest's file system would. It protects the VM and, once the item is {@code
 * protected}, samples the item's RPO through the API every second for SECONDS: the age of the
 * newest recovery point, from {@code lastRecoveryPoint} to the millisecond (the API's {@code
 * rpoSeconds} is the same age in whole seconds). Prints p50/p95/max beside the baseline (the copy
 * frequency itself, the best an RPO can be) and a final {@code RESULT} line.
 */
public final class RpoUnderLoad {
  private static final int BLOCK = 64 * 1024;

  public static void main(String[] args) throws Exception {
    HavenApiClient api = new HavenApiClient(args[0]);
    int seconds = Integer.parseInt(args[1]);
    double megabytesPerSecond = Double.parseDouble(args[2]);
    int copyFrequency = Integer.parseInt(args[3]);
    long diskBytes = Long.parseLong(args[4]) * 1024 * 1024;

    String primary = siteId(api, "primary");
    String secondary = siteId(api, "secondary");
    JsonNode pairing = pairing(api, primary, secondary);
    String policyId = pairing.get("policyId").asText();
    ObjectNode policy = (ObjectNode) api.get("/policies/" + policyId);
    policy.remove(List.of("id", "createdAt", "updatedAt"));
    policy.put("copyFrequencySeconds", copyFrequency);
    api.put("/policies/" + policyId, policy);

    String hostId = api.get("/sites/" + primary + "/hosts").get(0).get("id").asText();
    JsonNode vm =
        api.post(
            "/hosts/" + hostId + "/vms",
            Map.of(
                "name",
                "rpo-vm",
                "cpus",
                1,
                "memoryMiB",
                512,
                "disks",
                List.of(Map.of("sizeBytes", diskBytes)),
                "networks",
                List.of("lan")));
    String vmId = vm.get("id").asText();
    api.post("/vms/" + vmId + "/power", Map.of("state", "on"));
    String nbdUri = api.get("/vms/" + vmId).get("disks").get(0).get("nbd").asText();

    Guest guest = new Guest(nbdUri, diskBytes, megabytesPerSecond);
    guest.start();
    try {
      long t0 = System.nanoTime();
      String itemId =
          api.post("/protected-items", Map.of("vmId", vmId, "pairingId", pairing.get("id").asText()))
              .get("itemId")
              .asText();
      awaitProtected(api, itemId, 900);
      line(
          "protected after %.1f s while the guest wrote %.1f MB/s",
          (System.nanoTime() - t0) / 1e9, guest.megabytesPerSecond());
      long written0 = guest.written.get();
      long w0 = System.nanoTime();
      List<Double> samples = new ArrayList<>();
      long next = System.nanoTime();
      for (int i = 0; i < seconds; i++) {
        next += 1_000_000_000L;
        JsonNode item = api.get("/protected-items/" + itemId);
        Double rpo = rpo(item);
        if (rpo != null) {
          samples.add(rpo);
        }
        if (!item.path("state").asText().equals("protected")) {
          line("sample %d: item is %s (%s)", i, item.path("state").asText(), item.path("lastError"));
        }
        long wait = next - System.nanoTime();
        if (wait > 0) {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
      }
      double achieved = (guest.written.get() - written0) / ((System.nanoTime() - w0) / 1e9) / 1e6;
      if (samples.isEmpty()) {
        throw new IllegalStateException("no recovery point in " + seconds + " s of sampling");
      }
      Collections.sort(samples);
      double p50 = percentile(samples, 50);
      double p95 = percentile(samples, 95);
      line(
          "RPO under %.1f MB/s of random 64 KiB writes (%.1f MB/s written while sampling),"
              + " %d samples 1 s apart: p50 %.1f s, p95 %.1f s, max %.1f s"
              + " | baseline (copy frequency) %d s",
          megabytesPerSecond,
          achieved,
          samples.size(),
          p50,
          p95,
          samples.get(samples.size() - 1),
          copyFrequency);
      line(
          "RESULT rpo_p50_s=%.1f rpo_p95_s=%.1f rpo_baseline_s=%d rpo_write_mb_s=%.1f",
          p50, p95, copyFrequency, achieved);
    } finally {
      guest.stop();
    }
    System.exit(0);
  }

  /** The age of the newest recovery point in seconds, from its time to the millisecond. */
  private static Double rpo(JsonNode item) {
    String last = item.path("lastRecoveryPoint").asText("");
    if (!last.isEmpty()) {
      try {
        return (System.currentTimeMillis() - Instant.parse(last).toEpochMilli()) / 1000.0;
      } catch (RuntimeException notAnInstant) {
        // Fall back to the whole seconds the API reports.
      }
    }
    JsonNode seconds = item.path("rpoSeconds");
    return seconds.isNumber() ? seconds.asDouble() : null;
  }

  /** Nearest-rank percentile of sorted samples. */
  private static double percentile(List<Double> sorted, int p) {
    int rank = (int) Math.ceil(p / 100.0 * sorted.size());
    return sorted.get(Math.max(0, rank - 1));
  }

  private static void awaitProtected(HavenApiClient api, String itemId, int timeoutSeconds)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
    String last = "";
    while (true) {
      JsonNode item = api.get("/protected-items/" + itemId);
      String state = item.path("state").asText();
      if (!state.equals(last)) {
        line("item %s: %s", itemId, state);
        last = state;
      }
      if (state.equals("protected")) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("not protected in " + timeoutSeconds + " s: " + item);
      }
      Thread.sleep(250);
    }
  }

  /**
   * A guest writing through a real NBD client: one qemu-io process (writeback, so a write is
   * acknowledged before it is durable, and a flush every second makes it so), fed one command per
   * 64 KiB block at the rate asked. Counts the bytes qemu-io reports written.
   */
  private static final class Guest {
    private final String nbdUri;
    private final long blocks;
    private final double writesPerSecond;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong written = new AtomicLong();
    private final long started = System.nanoTime();
    private Process process;
    private Thread feeder;
    private Thread reader;

    Guest(String nbdUri, long diskBytes, double megabytesPerSecond) {
      this.nbdUri = nbdUri;
      this.blocks = diskBytes / BLOCK;
      this.writesPerSecond = megabytesPerSecond * 1e6 / BLOCK;
    }

    void start() throws Exception {
      process =
          new ProcessBuilder("qemu-io", "-f", "raw", "-t", "writeback", nbdUri)
              .redirectErrorStream(true)
              .start();
      reader =
          new Thread(
              () -> {
                try (BufferedReader out =
                    new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                  String l;
                  while ((l = out.readLine()) != null) {
                    if (l.contains("wrote " + BLOCK + "/" + BLOCK)) {
                      written.addAndGet(BLOCK);
                    } else if (l.contains("rror")) {
                      System.err.println("qemu-io: " + l);
                    }
                  }
                } catch (Exception e) {
                  // The process ended.
                }
              });
      reader.setDaemon(true);
      reader.start();
      feeder = new Thread(this::feed);
      feeder.setDaemon(true);
      feeder.start();
    }

    private void feed() {
      SplittableRandom random = new SplittableRandom(8);
      long interval = (long) (1e9 / writesPerSecond);
      long next = System.nanoTime();
      long lastFlush = next;
      try (Writer in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8)) {
        while (!stop.get()) {
          long offset = random.nextLong(blocks) * BLOCK;
          in.write("write -P " + random.nextInt(256) + " " + offset + " " + BLOCK + "\n");
          next += interval;
          if (next - lastFlush >= 1_000_000_000L) {
            in.write("flush\n");
            lastFlush = next;
          }
          in.flush();
          long wait = next - System.nanoTime();
          if (wait > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
          }
        }
        in.write("flush\nquit\n");
      } catch (Exception e) {
        if (!stop.get()) {
          System.err.println("the guest's writer stopped: " + e);
        }
      }
    }

    double megabytesPerSecond() {
      return written.get() / ((System.nanoTime() - started) / 1e9) / 1e6;
    }

    void stop() throws InterruptedException {
      stop.set(true);
      feeder.join(10_000);
      if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroy();
      }
    }
  }

  private static JsonNode pairing(HavenApiClient api, String source, String target) {
    for (JsonNode pairing : api.get("/site-pairings")) {
      if (pairing.get("sourceSiteId").asText().equals(source)
          && pairing.get("targetSiteId").asText().equals(target)) {
        return pairing;
      }
    }
    throw new IllegalStateException("no pairing primary -> secondary");
  }

  private static String siteId(HavenApiClient api, String name) {
    for (JsonNode site : api.get("/sites")) {
      if (site.get("name").asText().equals(name)) {
        return site.get("id").asText();
      }
    }
    throw new IllegalStateException("no site named " + name);
  }

  private static void line(String format, Object... args) {
    System.out.println(String.format(Locale.ROOT, format, args));
    System.out.flush();
  }
}
