import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.haven.dist.client.HavenApiClient;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The scale benchmark's driver, against a running standalone stack: creates N VMs with small disks
 * through the API, protects them all (POST /protected-items), keeps light guest churn on every disk
 * over NBD, waits until every item is protected, then samples for a few minutes and prints the RPO
 * (p50, p99), missed cycles, the Haven JVM's CPU (by thread group) and heap, the Temporal server's
 * CPU, and the Temporal history length per item. Ends with a {@code RESULT scale_vms=N …} line.
 *
 * <p>{@code java -cp haven.jar:CLASSES ScaleBench API_URL TEMPORAL_TARGET JMX_PORT HAVEN_PID
 * TEMPORAL_PID VMS}; tuning through the environment (SCALE_* below).
 */
public final class ScaleBench {
  private final HavenApiClient api;
  private final String temporalTarget;
  private final int jmxPort;
  private final long havenPid;
  private final long temporalPid;
  private final int vms;
  private final long diskBytes = env("SCALE_DISK_MIB", 2) * 1024L * 1024;
  private final int churnBlocks = (int) env("SCALE_CHURN_BLOCKS", 2);
  private final int frequency = (int) env("SCALE_FREQUENCY_S", 30);
  private final int sampleSeconds = (int) env("SCALE_SAMPLE_S", 180);
  private final int concurrency = (int) env("SCALE_API_CONCURRENCY", 8);
  private final int protectTimeoutSeconds = (int) env("SCALE_PROTECT_TIMEOUT_S", 1800);
  private final Map<String, String> results = new java.util.LinkedHashMap<>();
  private int unprotected;

  private ScaleBench(String[] args) {
    api = new HavenApiClient(args[0]);
    temporalTarget = args[1];
    jmxPort = Integer.parseInt(args[2]);
    havenPid = Long.parseLong(args[3]);
    temporalPid = Long.parseLong(args[4]);
    vms = Integer.parseInt(args[5]);
  }

  public static void main(String[] args) throws Exception {
    new ScaleBench(args).run();
  }

  private record Vm(String vmId, String nbdUri, String itemId) {}

  private void run() throws Exception {
    log("scale: %d VMs, %d MiB disks, %d x 4 KiB written per VM every %d s, copy every %d s",
        vms, diskBytes >> 20, churnBlocks, frequency, frequency);
    String pairingId = setPolicy();
    long begin = System.nanoTime();
    List<Vm> created = createAndProtect(pairingId);
    double createSeconds = (System.nanoTime() - begin) / 1e9;
    log("created and protected %d VMs through the API in %.1f s", created.size(), createSeconds);
    try (Churn churn = new Churn((int) env("SCALE_CHURN_THREADS", 4), env("SCALE_PERSISTENT_GUESTS", 1) == 1);
        JvmProbe jvm = new JvmProbe(jmxPort, havenPid);
        HistoryProbe history = new HistoryProbe(temporalTarget, "default")) {
      churn.start(created.stream().map(Vm::nbdUri).toList(), diskBytes, churnBlocks, frequency);
      double protectSeconds = awaitProtected(created, begin);
      result("protect_all_s", fmt(protectSeconds));
      result("unprotected", String.valueOf(unprotected));
      // One whole cycle after the last item became protected, so every item is in its rhythm.
      Thread.sleep(frequency * 1000L);

      Map<String, String> workflowIds = workflowIds();
      Map<String, Long> historyBefore = histories(history, workflowIds);
      long windowStart = System.currentTimeMillis();
      JvmProbe.Snapshot first = jvm.snapshot();
      ThreadCpu threadCpu = new ThreadCpu(havenPid);
      threadCpu.poll();
      java.util.concurrent.ScheduledExecutorService poller =
          Executors.newSingleThreadScheduledExecutor();
      poller.scheduleAtFixedRate(threadCpu::poll, 2, 2, java.util.concurrent.TimeUnit.SECONDS);
      long temporalCpuFirst = JvmProbe.procCpuNanos(temporalPid);
      long havenCpuFirst = JvmProbe.procCpuNanos(havenPid);
      long firstNanos = System.nanoTime();
      List<Long> rpos = new ArrayList<>();
      long heapMax = first.heapUsed();
      long sampleEnd = System.nanoTime() + sampleSeconds * 1_000_000_000L;
      int round = 0;
      while (System.nanoTime() < sampleEnd) {
        Thread.sleep(5_000);
        for (JsonNode item : api.get("/protected-items")) {
          if (item.path("rpoSeconds").isNumber()) {
            rpos.add(item.get("rpoSeconds").asLong());
          }
        }
        if (++round % 3 == 0) {
          heapMax = Math.max(heapMax, jvm.snapshot().heapUsed());
          log("  sampling: %d s, %d RPO samples, churn %d writes (%d failed, %.1f ms a visit)",
              round * 5, rpos.size(), churn.writes(), churn.failures(), churn.meanVisitMillis());
        }
      }
      poller.shutdown();
      poller.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
      threadCpu.poll();
      JvmProbe.Snapshot last = jvm.snapshot();
      long wallNanos = System.nanoTime() - firstNanos;
      long temporalCpu = JvmProbe.procCpuNanos(temporalPid) - temporalCpuFirst;
      long havenCpu = JvmProbe.procCpuNanos(havenPid) - havenCpuFirst;
      long windowEnd = System.currentTimeMillis();
      Map<String, Long> historyAfter = histories(history, workflowIds);
      heapMax = Math.max(heapMax, last.heapUsed());

      reportRpo(rpos);
      reportCycles(created, windowStart, windowEnd, historyBefore, historyAfter);
      reportCpu(threadCpu, wallNanos, havenCpu, temporalCpu);
      long live = jvm.liveHeapAfterGc();
      System.out.printf(
          Locale.ROOT,
          "Haven JVM heap: %.0f MiB used at most while sampling, %.0f MiB live after a full GC"
              + " (max heap %.0f MiB); RSS %.0f MiB; %d threads; %d open files%n",
          heapMax / 1048576.0,
          live / 1048576.0,
          jvm.maxHeap() / 1048576.0,
          JvmProbe.rssBytes(havenPid) / 1048576.0,
          last.threadCount(),
          last.openFiles());
      result("heap_live_mib", fmt(live / 1048576.0));
      result("heap_used_max_mib", fmt(heapMax / 1048576.0));
      result("threads", String.valueOf(last.threadCount()));
      result("open_files", String.valueOf(last.openFiles()));
      System.out.printf(
          Locale.ROOT,
          "churn: %d writes of 4 KiB, %d failed visits, %.1f ms a visit, %d guests connected%s%n",
          churn.writes(),
          churn.failures(),
          churn.meanVisitMillis(),
          churn.connected(),
          churn.failures() > 0 ? " (last: " + churn.lastFailure() + ")" : "");
      result("churn_failures", String.valueOf(churn.failures()));
    }
    StringBuilder line = new StringBuilder("RESULT scale_vms=" + vms);
    results.forEach((k, v) -> line.append(' ').append(k).append('=').append(v));
    System.out.println(line);
  }

  /** Sets the primary→secondary pairing's policy to the benchmark's copy frequency. */
  private String setPolicy() {
    String primary = siteId("primary");
    String secondary = siteId("secondary");
    for (JsonNode pairing : api.get("/site-pairings")) {
      if (pairing.get("sourceSiteId").asText().equals(primary)
          && pairing.get("targetSiteId").asText().equals(secondary)) {
        String policyId = pairing.get("policyId").asText();
        ObjectNode policy = (ObjectNode) api.get("/policies/" + policyId);
        policy.remove(List.of("id", "createdAt", "updatedAt"));
        policy.put("copyFrequencySeconds", frequency);
        api.put("/policies/" + policyId, policy);
        return pairing.get("id").asText();
      }
    }
    throw new IllegalStateException("no primary -> secondary pairing: is this a standalone stack?");
  }

  private String siteId(String name) {
    for (JsonNode site : api.get("/sites")) {
      if (site.get("name").asText().equals(name)) {
        return site.get("id").asText();
      }
    }
    throw new IllegalStateException("no site " + name);
  }

  /**
   * Creates, powers on and protects every VM through the API, {@code concurrency} at a time, so
   * that the API sees a busy operator's script and not a flood.
   */
  private List<Vm> createAndProtect(String pairingId) throws Exception {
    String hostId = api.get("/sites/" + siteId("primary") + "/hosts").get(0).get("id").asText();
    ExecutorService pool = Executors.newFixedThreadPool(concurrency);
    AtomicInteger done = new AtomicInteger();
    List<Future<Vm>> futures = new ArrayList<>();
    for (int i = 0; i < vms; i++) {
      int n = i;
      futures.add(
          pool.submit(
              () -> {
                Vm vm = createAndProtect(hostId, pairingId, n);
                int d = done.incrementAndGet();
                if (d % 100 == 0 || d == vms) {
                  log("  %d/%d VMs created and protection requested", d, vms);
                }
                return vm;
              }));
    }
    List<Vm> created = new ArrayList<>();
    for (Future<Vm> f : futures) {
      created.add(f.get());
    }
    pool.shutdown();
    return created;
  }

  private Vm createAndProtect(String hostId, String pairingId, int n) throws InterruptedException {
    JsonNode vm =
        withRetries(
            () ->
                api.post(
                    "/hosts/" + hostId + "/vms",
                    Map.of(
                        "name", String.format("scale-%04d", n),
                        "cpus", 1,
                        "memoryMiB", 256,
                        "disks", List.of(Map.of("sizeBytes", diskBytes)),
                        "networks", List.of("lan"))));
    String vmId = vm.get("id").asText();
    withRetries(() -> api.post("/vms/" + vmId + "/power", Map.of("state", "on")));
    String nbd = withRetries(() -> api.get("/vms/" + vmId)).get("disks").get(0).get("nbd").asText();
    JsonNode accepted =
        withRetries(
            () -> api.post("/protected-items", Map.of("vmId", vmId, "pairingId", pairingId)));
    return new Vm(vmId, nbd, accepted.get("itemId").asText());
  }

  /** A call retried a few times when the API is briefly overloaded (5xx or no answer). */
  private static JsonNode withRetries(java.util.function.Supplier<JsonNode> call)
      throws InterruptedException {
    for (int attempt = 1; ; attempt++) {
      try {
        return call.get();
      } catch (dev.haven.dist.client.ApiException e) {
        boolean clientError = e.status() >= 400 && e.status() < 500;
        if (attempt >= 5 || clientError) {
          throw e;
        }
        Thread.sleep(1000L * attempt);
      }
    }
  }

  /** Polls until every item is protected; returns seconds since {@code begin}. */
  private double awaitProtected(List<Vm> created, long begin) throws InterruptedException {
    long deadline = System.nanoTime() + protectTimeoutSeconds * 1_000_000_000L;
    String last = "";
    while (true) {
      Map<String, Integer> states = new TreeMap<>();
      String error = null;
      for (JsonNode item : api.get("/protected-items")) {
        states.merge(item.path("state").asText(), 1, Integer::sum);
        if (error == null && !item.path("lastError").isNull() && item.has("lastError")) {
          error = item.path("lastError").asText();
        }
      }
      String line = states.toString();
      if (!line.equals(last)) {
        log("  %.0f s: items %s%s", (System.nanoTime() - begin) / 1e9, line,
            error == null ? "" : "; an error: " + error);
        last = line;
      }
      if (states.getOrDefault("protected", 0) >= created.size()) {
        return (System.nanoTime() - begin) / 1e9;
      }
      if (System.nanoTime() > deadline) {
        // Measure what is protected rather than nothing; the RESULT line says how many are not.
        unprotected = created.size() - states.getOrDefault("protected", 0);
        log("  NOT every item protected after %d s: %s; measuring the protected ones",
            protectTimeoutSeconds, line);
        return (System.nanoTime() - begin) / 1e9;
      }
      Thread.sleep(5_000);
    }
  }

  private Map<String, String> workflowIds() {
    Map<String, String> ids = new TreeMap<>();
    for (JsonNode item : api.get("/protected-items")) {
      ids.put(item.get("id").asText(), item.get("workflowId").asText());
    }
    return ids;
  }

  private static Map<String, Long> histories(HistoryProbe probe, Map<String, String> workflowIds)
      throws Exception {
    Map<String, Long> lengths = new ConcurrentHashMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Future<?>> futures = new ArrayList<>();
    for (Map.Entry<String, String> e : workflowIds.entrySet()) {
      futures.add(
          pool.submit(() -> lengths.put(e.getKey(), probe.historyLength(e.getValue()))));
    }
    for (Future<?> f : futures) {
      f.get();
    }
    pool.shutdown();
    return lengths;
  }

  private void reportRpo(List<Long> rpos) {
    Collections.sort(rpos);
    long p50 = percentile(rpos, 50);
    long p99 = percentile(rpos, 99);
    long max = rpos.isEmpty() ? -1 : rpos.get(rpos.size() - 1);
    System.out.printf(
        Locale.ROOT,
        "RPO over %d samples in %d s (every 5 s, every item): p50 %d s, p99 %d s, max %d s"
            + " (target p99 <= 60 s)%n",
        rpos.size(), sampleSeconds, p50, p99, max);
    result("rpo_p50_s", String.valueOf(p50));
    result("rpo_p99_s", String.valueOf(p99));
    result("rpo_max_s", String.valueOf(max));
  }

  /**
   * Missed cycles from the recovery points the store recorded: between two consecutive points (or
   * the last one and the end of the window) a gap of g seconds holds floor((g - f) / f) missed
   * cycles when g exceeds 2f, i.e. a cycle later than its schedule by more than one frequency.
   */
  private void reportCycles(
      List<Vm> created,
      long windowStart,
      long windowEnd,
      Map<String, Long> historyBefore,
      Map<String, Long> historyAfter) {
    long f = frequency * 1000L;
    long missed = 0;
    long cycles = 0;
    long cyclesBetweenHistories = 0;
    int itemsMissing = 0;
    for (Vm vm : created) {
      List<Long> times = new ArrayList<>();
      for (JsonNode p : api.get("/protected-items/" + vm.itemId() + "/recovery-points")) {
        times.add(Instant.parse(p.get("createdAt").asText()).toEpochMilli());
      }
      Collections.sort(times);
      long previous = -1;
      boolean itemMissed = false;
      for (long t : times) {
        if (t > windowStart && t <= windowEnd) {
          cycles++;
          cyclesBetweenHistories++;
          long gapFrom = previous >= 0 ? previous : windowStart;
          long gap = t - gapFrom;
          if (gap > 2 * f) {
            missed += (gap - f) / f;
            itemMissed = true;
          }
        }
        if (t <= windowEnd) {
          previous = t;
        }
      }
      long tail = windowEnd - Math.max(previous, windowStart);
      if (tail > 2 * f) {
        missed += (tail - f) / f;
        itemMissed = true;
      }
      if (itemMissed) {
        itemsMissing++;
      }
    }
    long events = 0;
    long maxLength = 0;
    long sumLength = 0;
    for (Map.Entry<String, Long> e : historyAfter.entrySet()) {
      long before = historyBefore.getOrDefault(e.getKey(), 0L);
      if (e.getValue() >= before) {
        events += e.getValue() - before;
      }
      maxLength = Math.max(maxLength, e.getValue());
      sumLength += e.getValue();
    }
    double perCycle = cyclesBetweenHistories == 0 ? 0 : (double) events / cyclesBetweenHistories;
    double meanLength = historyAfter.isEmpty() ? 0 : (double) sumLength / historyAfter.size();
    System.out.printf(
        Locale.ROOT,
        "cycles: %d recovery points in the window (%.2f per item per minute), %d missed cycles"
            + " on %d items%n",
        cycles,
        cycles / (double) created.size() / ((windowEnd - windowStart) / 60000.0),
        missed,
        itemsMissing);
    System.out.printf(
        Locale.ROOT,
        "Temporal history per item: %.0f events on average, %d at most, after the window;"
            + " %.1f events per cycle%n",
        meanLength, maxLength, perCycle);
    result("missed", String.valueOf(missed));
    result("cycles", String.valueOf(cycles));
    result("history_len_mean", fmt(meanLength));
    result("history_len_max", String.valueOf(maxLength));
    result("events_per_cycle", fmt(perCycle));
  }

  private void reportCpu(
      ThreadCpu threadCpu, long wallNanos, long havenCpuNanos, long temporalCpuNanos) {
    double worker = 0;
    StringBuilder detail = new StringBuilder();
    for (Map.Entry<String, Long> e : threadCpu.groupNanos().entrySet()) {
      double pct = 100.0 * e.getValue() / wallNanos;
      if (e.getKey().startsWith("worker")) {
        worker += pct;
      }
      detail.append(String.format(Locale.ROOT, "    %-48s %6.1f%%%n", e.getKey(), pct));
    }
    String others = threadCpu.topOthers();
    if (!others.isEmpty()) {
      detail.append("    (other threads, busiest: ").append(others).append(")\n");
    }
    double haven = 100.0 * havenCpuNanos / wallNanos;
    double temporal = temporalCpuNanos < 0 ? -1 : 100.0 * temporalCpuNanos / wallNanos;
    System.out.printf(
        Locale.ROOT,
        "CPU while sampling (100%% = one core; the machine has %d): Haven JVM %.1f%%, of which the"
            + " worker's threads %.1f%%; Temporal server %s%n%s",
        Runtime.getRuntime().availableProcessors(),
        haven,
        worker,
        temporal < 0 ? "in the Haven JVM (see the gRPC groups)" : fmt(temporal) + "%",
        detail);
    result("haven_cpu_pct", fmt(haven));
    result("worker_cpu_pct", fmt(worker));
    if (temporal >= 0) {
      result("temporal_cpu_pct", fmt(temporal));
    }
  }

  private static long percentile(List<Long> sorted, int p) {
    if (sorted.isEmpty()) {
      return -1;
    }
    int rank = (int) Math.ceil(p / 100.0 * sorted.size());
    return sorted.get(Math.max(0, rank - 1));
  }

  private void result(String key, String value) {
    results.put(key, value);
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }

  private static long env(String name, long fallback) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? fallback : Long.parseLong(v.trim());
  }

  private static void log(String format, Object... args) {
    System.err.printf(Locale.ROOT, format + "%n", args);
  }
}
