package dev.haven.agent;

import dev.haven.agent.disk.BlockDevice;
import dev.haven.protocol.ReplicationState;
import dev.haven.protocol.ResyncProgress;
import dev.haven.protocol.Vm;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The copy-and-resync benchmark's driver (issue 4 point 8), run by {@code bench/copy-resync.sh},
 * not by the test suite. Two real agents in this JVM over loopback mutual TLS: the initial copy of
 * a random-data disk, then resyncs with 0%, 1% and 10% of 64 KiB blocks differing. Each figure's
 * baseline runs on the same files through {@code baseline}, a shell command that answers the
 * seconds it took: {@code baseline cp|rsync-whole SRC} and {@code baseline rsync-delta SRC
 * DIVERGED} (DIVERGED is a copy of the replica as the resync found it).
 *
 * <p>Usage: {@code CopyResyncBench WORKDIR SIZE_MIB BASELINE_COMMAND}; with {@code
 * -Dhaven.bench.initialOnly=true} only the initial copy and its baselines run.
 */
public final class CopyResyncBench {
  private static final int BLOCK = 64 * 1024;
  private static final long WARM_UP_MIB = 512;
  private static final int WARM_UP_ROUNDS_MAX = Integer.getInteger("haven.bench.warmUpRounds", 3);
  private static final double WARM_ENOUGH = 0.05;

  public static void main(String[] args) throws Exception {
    Path work = Path.of(args[0]);
    long size = Long.parseLong(args[1]) * 1024 * 1024;
    String baseline = args[2];
    try (TwoAgents agents = TwoAgents.start(work.resolve("agents"))) {
      warmUp(agents);
      Vm vm = Replicas.createVm(agents, "bench", size);
      String diskId = vm.getDisks(0).getId();
      BlockDevice source = agents.driverA().device(vm.getId(), diskId);
      fill(source, new SplittableRandom(1));
      ReplicationState target = Replicas.protect(agents, "item-bench", vm);
      String replicaDisk = target.getDisks(0).getReplicaDiskId();
      Path src = agents.driverA().folder(vm.getId()).resolve(diskId + ".img");
      Path dst = agents.driverB().folder(target.getVmId()).resolve(replicaDisk + ".img");

      String initialPairs =
          InitialCopyFigure.run(
              size >> 20,
              Integer.getInteger("haven.bench.rounds", 3),
              what -> shell(baseline, what, src.toString()),
              () -> {
                long t0 = System.nanoTime();
                long cpu0 = cpuNanos();
                long jit0 = jitMillis();
                copy(agents, "item-bench", diskId);
                // CPU time of both agents (this JVM): on a shared host it varies less than the
                // elapsed time and says what an optimisation saves.
                return new double[] {
                  seconds(t0), (cpuNanos() - cpu0) / 1e9, (jitMillis() - jit0) / 1e3
                };
              });
      if (Boolean.getBoolean("haven.bench.initialOnly")) {
        line("RESULT %s", initialPairs);
        System.exit(0);
      }

      BlockDevice replica = agents.driverB().device(target.getVmId(), replicaDisk);
      double[] ratio = new double[3];
      double bytesRatio1 = 0;
      int[] percents = {0, 1, 10};
      for (int i = 0; i < percents.length; i++) {
        long differing = diverge(replica, percents[i], new SplittableRandom(100 + i));
        Path diverged = work.resolve("diverged.img");
        shell(baseline, "snapshot", dst.toString(), diverged.toString());
        long t0 = System.nanoTime();
        long resyncCpu0 = cpuNanos();
        ResyncProgress done =
            Resyncs.last(Resyncs.run(agents, Resyncs.request("item-bench", diskId, 0, false)));
        double haven = seconds(t0);
        double resyncCpu = (cpuNanos() - resyncCpu0) / 1e9;
        double rsync = shell(baseline, "rsync-delta", src.toString(), diverged.toString());
        ratio[i] = haven / rsync;
        double bytes = differing == 0 ? 0 : (double) done.getBytesSent() / (differing * BLOCK);
        if (percents[i] == 1) {
          bytesRatio1 = bytes;
        }
        line(
            "resync %2d%% (%d blocks differ): haven %.2f s (cpu %.2f s, both agents),"
                + " sent %d B (%.4fx differing), hashes %d B | rsync --inplace --no-whole-file"
                + " %.2f s | ratio %.3f",
            percents[i],
            done.getDifferingBlocks(),
            haven,
            resyncCpu,
            done.getBytesSent(),
            bytes,
            done.getHashBytesReceived(),
            rsync,
            ratio[i]);
        if (done.getDifferingBlocks() != differing) {
          throw new IllegalStateException("expected " + differing + " differing blocks");
        }
      }
      if (!Replicas.hashA(agents, vm.getId(), diskId)
          .equals(Replicas.hashB(agents, target.getVmId(), replicaDisk))) {
        throw new IllegalStateException("the replica differs from the source after the resyncs");
      }
      line(
          "RESULT %s resync0_vs_rsync=%.3f resync1_vs_rsync=%.3f resync10_vs_rsync=%.3f"
              + " resync1_bytes_ratio=%.4f",
          initialPairs, ratio[0], ratio[1], ratio[2], bytesRatio1);
    }
    System.exit(0);
  }

  /**
   * Copies and resyncs a small disk first, so that the figures are those of a running agent (a
   * long-lived daemon) rather than of a JVM compiling the copy path while it copies: measured cold,
   * the just-in-time compiler takes most of the CPU of a 1 GiB copy. The cold figure is printed
   * too. One copy was not always enough: on a busy host the C2 compiler fell behind during it,
   * HotSpot dropped the queued compilations once the copy stopped calling those methods, and the
   * timed copy then spent a third of its CPU compiling them (async-profiler, 2026-11-24). So the
   * warm-up copy is repeated, a few times at most, until compiling takes under {@link #WARM_ENOUGH}
   * of its CPU.
   */
  private static void warmUp(TwoAgents agents) throws Exception {
    long size = WARM_UP_MIB * 1024 * 1024;
    Vm vm = Replicas.createVm(agents, "warm-up", size);
    String diskId = vm.getDisks(0).getId();
    fill(agents.driverA().device(vm.getId(), diskId), new SplittableRandom(2));
    ReplicationState target = Replicas.protect(agents, "item-warm-up", vm);
    for (int round = 1; round <= WARM_UP_ROUNDS_MAX; round++) {
      long t0 = System.nanoTime();
      long cpu0 = cpuNanos();
      long jit0 = jitMillis();
      copy(agents, "item-warm-up", diskId);
      double cpu = (cpuNanos() - cpu0) / 1e9;
      double jit = (jitMillis() - jit0) / 1e3;
      line(
          "warm-up %d: initial copy of %d MiB%s: %.2f s (%.2f s CPU, JIT compiling %.2f CPU-s)",
          round, WARM_UP_MIB, round == 1 ? " in a cold JVM" : " again", seconds(t0), cpu, jit);
      // Warm means the compiler has little left to do for the copy path.
      if (jit < WARM_ENOUGH * cpu) {
        break;
      }
    }
    BlockDevice replica =
        agents.driverB().device(target.getVmId(), target.getDisks(0).getReplicaDiskId());
    diverge(replica, 1, new SplittableRandom(3));
    Resyncs.last(Resyncs.run(agents, Resyncs.request("item-warm-up", diskId, 0, false)));
  }

  private static void copy(TwoAgents agents, String itemId, String diskId) {
    agents
        .client()
        .agent(agents.a.grpcAddress())
        // The tests' 60 s deadline is too short for gigabytes on a busy machine.
        .withDeadlineAfter(30, java.util.concurrent.TimeUnit.MINUTES)
        .copyDisk(
            dev.haven.protocol.CopyDiskRequest.newBuilder()
                .setItemId(itemId)
                .setDiskId(diskId)
                .build())
        .forEachRemaining(p -> {});
  }

  private static void fill(BlockDevice device, SplittableRandom random) throws IOException {
    byte[] data = new byte[4 * 1024 * 1024];
    for (long offset = 0; offset < device.size(); offset += data.length) {
      random.nextBytes(data);
      device.write(offset, ByteBuffer.wrap(data), false);
    }
    device.flush();
  }

  /** Rewrites {@code percent}% of the replica's blocks (distinct, random); answers how many. */
  private static long diverge(BlockDevice replica, int percent, SplittableRandom random)
      throws IOException {
    long blocks = replica.size() / BLOCK;
    long count = blocks * percent / 100;
    java.util.BitSet chosen = new java.util.BitSet((int) blocks);
    byte[] data = new byte[BLOCK];
    while (chosen.cardinality() < count) {
      int b = random.nextInt((int) blocks);
      if (!chosen.get(b)) {
        chosen.set(b);
        random.nextBytes(data);
        replica.write((long) b * BLOCK, ByteBuffer.wrap(data), false);
      }
    }
    replica.flush();
    return count;
  }

  private static double shell(String baseline, String... args) throws Exception {
    ProcessBuilder pb = new ProcessBuilder("bash", "-c", baseline + " \"$@\"", "baseline");
    pb.command().addAll(java.util.List.of(args));
    pb.redirectError(ProcessBuilder.Redirect.INHERIT);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (p.waitFor() != 0) {
      throw new IllegalStateException("baseline " + String.join(" ", args) + " failed: " + out);
    }
    return out.isEmpty() ? 0 : Double.parseDouble(out.substring(out.lastIndexOf('\n') + 1));
  }

  /** CPU time of this process (both agents), which load from other processes does not inflate. */
  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /**
   * CPU time of this JVM's compiler threads so far, in milliseconds, from /proc (clock ticks of the
   * threads named "C1/C2 CompilerThread…"); the compilation MXBean's figure is elapsed time, which
   * a busy host inflates. 0 where /proc is not there.
   */
  private static long jitMillis() {
    long ticks = 0;
    try (var tasks = java.nio.file.Files.list(Path.of("/proc/self/task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        try {
          String stat = java.nio.file.Files.readString(task.resolve("stat"));
          int open = stat.indexOf('(');
          int close = stat.lastIndexOf(')');
          if (!stat.substring(open + 1, close).contains("CompilerThre")) {
            continue;
          }
          String[] fields = stat.substring(close + 2).split(" ");
          // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
          ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        } catch (IOException | RuntimeException e) {
          // The thread ended meanwhile.
        }
      }
    } catch (IOException e) {
      return 0;
    }
    return ticks * 10; // USER_HZ is 100 on Linux
  }

  private static double seconds(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }

  private static void line(String format, Object... args) {
    System.out.println(String.format(Locale.ROOT, format, args));
    System.out.flush();
  }
}
