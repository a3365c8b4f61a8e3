package dev.haven.dist.failover;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.dist.client.GuestDiskModel;
import dev.haven.dist.client.QemuIo;
import dev.haven.protocol.Vm;
import dev.haven.protocol.VmRef;
import dev.haven.workflows.model.ItemState;
import dev.haven.workflows.protection.AfterFailoverRequest;
import dev.haven.workflows.protection.FailoverRequest;
import dev.haven.workflows.protection.ProtectedItemWorkflow;
import io.temporal.api.history.v1.HistoryEvent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R17 planned failover and R20 cancel with real agents over mutual TLS: the replica runs at the
 * target and its guest writes; the cancel powers it off, resyncs it from the source (which kept its
 * data since the shutdown) sending only the blocks that differ, starts the source again, and
 * protection goes on in the original direction, checked by SHA-256 at every step.
 */
class CancelPlannedFailoverRealAgentsTest {
  private static final int DISK = 16 << 20;

  @TempDir Path tmp;

  @Test
  void R20_cancelOfAPlannedFailoverResyncsOnlyWhatTheReplicaWrote() throws Exception {
    try (RealAgentsRig rig = new RealAgentsRig(tmp)) {
      Vm vm = rig.runningVm("app", DISK);
      GuestDiskModel guest = new GuestDiskModel(DISK);
      SplittableRandom random = new SplittableRandom(20);
      RealAgentsRig.write(vm, guest, random, 60);
      ProtectedItemWorkflow wf = rig.protect("item-c", vm.getId());
      rig.await(wf, ItemState.PROTECTED);
      RealAgentsRig.write(vm, guest, random, 20);
      rig.cycle(wf);
      RealAgentsRig.write(vm, guest, random, 10);
      String atFailover = guest.sha256();

      wf.failover(new FailoverRequest("job-pf", "planned", "latest"));
      assertThat(rig.awaitJob("job-pf")).isEqualTo("succeeded");
      rig.await(wf, ItemState.FAILED_OVER);
      Vm replica = rig.vmAtB(wf.status().replicaVmId());
      assertThat(replica.getPowerState()).isEqualTo("on");
      assertThat(rig.hashOverNbd(replica)).isEqualTo(atFailover);

      // The failed-over workload writes 5 blocks of 64 KiB at the target.
      GuestDiskModel scratch = new GuestDiskModel(DISK);
      QemuIo.writeRandomBlocks(replica.getDisks(0).getNbdUri(), scratch, random, 5);
      assertThat(rig.hashOverNbd(replica)).isNotEqualTo(atFailover);

      wf.cancel(new AfterFailoverRequest("job-cancel", null));
      assertThat(rig.awaitJob("job-cancel"))
          .as("%s", rig.store.states("job-cancel"))
          .isEqualTo("succeeded");
      rig.await(wf, ItemState.PROTECTED);
      // Replication restarted afresh: the old points went with the target's record, and the
      // store forgot them, so that the new ones (numbered from 1 again) are recorded.
      assertThat(rig.store.steps("job-cancel")).contains("forget-recovery-points:succeeded");
      assertThat(rig.store.forgotten).containsExactly("item-c");
      assertThat(rig.vmAtB(replica.getId()).getPowerState()).isEqualTo("off");
      assertThat(rig.hashAtB(rig.vmAtB(replica.getId()))).isEqualTo(atFailover);
      Vm source = rig.agentA().getVm(VmRef.newBuilder().setVmId(vm.getId()).build());
      assertThat(source.getPowerState()).isEqualTo("on");
      // Only what the replica's guest wrote travelled back: its 5 blocks of 64 KiB at most, plus
      // the stream's framing, out of a 16 MiB disk.
      List<Long> sent = resyncBytesSent(rig, "item-c");
      System.out.println("RESULT cancel_resync_bytes_sent=" + sent);
      assertThat(sent).isNotEmpty();
      assertThat(sent.stream().mapToLong(Long::longValue).sum()).isPositive();
      assertThat(sent.stream().mapToLong(Long::longValue).sum()).isLessThan(5L * 65536 + 4096);

      // Protection goes on in the original direction.
      Vm running = rig.agentA().getVm(VmRef.newBuilder().setVmId(vm.getId()).build());
      RealAgentsRig.write(running, guest, random, 10);
      long applied = rig.cycle(wf);
      assertThat(rig.hashAtB(rig.vmAtB(replica.getId()))).isEqualTo(guest.sha256());
      List<Long> seqs =
          rig.store.points.stream()
              .filter(p -> p.itemId().equals("item-c"))
              .map(p -> p.seq())
              .toList();
      assertThat(seqs).contains(applied).allMatch(seq -> seq <= applied);
    }
  }

  /** The bytes each resyncDisk activity reported sending, read from the workflow's history. */
  private static List<Long> resyncBytesSent(RealAgentsRig rig, String itemId) throws Exception {
    List<Long> out = new ArrayList<>();
    var history = rig.client.fetchHistory(ProtectedItemWorkflow.workflowId(itemId)).getHistory();
    java.util.Map<Long, String> types = new java.util.HashMap<>();
    for (HistoryEvent e : history.getEventsList()) {
      if (e.hasActivityTaskScheduledEventAttributes()) {
        types.put(
            e.getEventId(),
            e.getActivityTaskScheduledEventAttributes().getActivityType().getName());
      }
      if (e.hasActivityTaskCompletedEventAttributes()) {
        var done = e.getActivityTaskCompletedEventAttributes();
        if ("ResyncDisk".equals(types.get(done.getScheduledEventId()))) {
          String json = done.getResult().getPayloads(0).getData().toStringUtf8();
          out.add(
              new com.fasterxml.jackson.databind.ObjectMapper()
                  .readTree(json)
                  .path("bytesSent")
                  .asLong());
        }
      }
    }
    return out;
  }
}
