package dev.haven.dist.failover;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.haven.agent.AgentServer;
import dev.haven.dist.client.GuestDiskModel;
import dev.haven.protocol.AgentServiceGrpc.AgentServiceBlockingStub;
import dev.haven.protocol.HashDiskRequest;
import dev.haven.protocol.ItemRef;
import dev.haven.protocol.Role;
import dev.haven.protocol.Vm;
import dev.haven.protocol.VmRef;
import dev.haven.workflows.activities.StoreActivities.ItemUpdate;
import dev.haven.workflows.model.ItemState;
import dev.haven.workflows.model.TaskQueues;
import dev.haven.workflows.protection.AfterFailoverRequest;
import dev.haven.workflows.protection.FailoverRequest;
import dev.haven.workflows.protection.OldSourceFence;
import dev.haven.workflows.protection.ProtectedItemWorkflow;
import dev.haven.workflows.protection.ProtectionInput;
import dev.haven.workflows.protection.ReverseDirection;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R22, R23, R25, R26 with real agents over mutual TLS and the real Temporal test server: the item
 * goes to the secondary site and back, is protected in the reverse direction each time, and every
 * step is checked by SHA-256 of whole disks. Each reverse replication is a resync against the old
 * source VM as the seed, and the bytes it sent are read from the workflow's history: only the
 * blocks that differ travel.
 */
class ReturnHomeRealAgentsTest {
  private static final int DISK = 16 << 20;

  /** Five blocks of 64 KiB and the stream's framing. */
  private static final long FIVE_BLOCKS = 5L * 65536 + 4096;

  @TempDir Path tmp;

  /** R22 too: the item is protected and failed over in both directions between on-prem sites. */
  @Test
  void R22_R26_returnHomeIsAPlannedFailoverBackThenReverseReplicationAgain() throws Exception {
    try (RealAgentsRig rig = new RealAgentsRig(tmp)) {
      Vm vm = rig.runningVm("app", DISK);
      GuestDiskModel guest = new GuestDiskModel(DISK);
      SplittableRandom random = new SplittableRandom(26);
      RealAgentsRig.write(vm, guest, random, 60);
      ProtectedItemWorkflow wf = rig.protect("item-home", vm.getId());
      rig.await(wf, ItemState.PROTECTED);
      RealAgentsRig.write(vm, guest, random, 20);
      rig.cycle(wf);
      String replicaId = wf.status().replicaVmId();
      assertThat(hash(rig.agentB(), replicaId)).isEqualTo(guest.sha256());

      // Away: planned failover to the secondary, the workload writes there, the operator commits.
      wf.failover(new FailoverRequest("job-away", "planned", "latest"));
      assertThat(rig.awaitJob("job-away")).isEqualTo("succeeded");
      rig.await(wf, ItemState.FAILED_OVER);
      Vm atB = rig.vmAtB(replicaId);
      assertThat(rig.hashOverNbd(atB)).isEqualTo(guest.sha256());
      RealAgentsRig.write(atB, guest, random, 5);
      wf.commit(new AfterFailoverRequest("job-commit-away", null));
      assertThat(rig.awaitJob("job-commit-away"))
          .as("%s", rig.store.steps("job-commit-away"))
          .isEqualTo("succeeded");

      // R23/R25: protected in the reverse direction at once, the old source VM as the replica.
      rig.await(wf, ItemState.PROTECTED);
      assertThat(wf.status().replicaVmId()).isEqualTo(vm.getId());
      assertThat(lastItem(rig, "item-home").activeSiteId()).isEqualTo("secondary");
      assertThat(role(rig.agentB(), "item-home")).isEqualTo(Role.SOURCE);
      assertThat(role(rig.agentA(), "item-home")).isEqualTo(Role.TARGET);
      assertThat(power(rig.agentA(), vm.getId())).isEqualTo("off");
      assertThat(hash(rig.agentA(), vm.getId())).isEqualTo(guest.sha256());
      List<Long> away = resyncBytesSent(rig, "item-home");
      System.out.println("RESULT reverse_resync_bytes_sent=" + away);
      assertThat(away).hasSize(1);
      assertThat(away.get(0)).isPositive().isLessThan(FIVE_BLOCKS);

      // R22: delta cycles run secondary -> primary.
      RealAgentsRig.write(rig.vmAtB(replicaId), guest, random, 10);
      rig.cycle(wf);
      assertThat(hash(rig.agentA(), vm.getId())).isEqualTo(guest.sha256());

      // R26 home: planned failover back to the primary, the workload writes there, commit.
      wf.failover(new FailoverRequest("job-home", "planned", "latest"));
      assertThat(rig.awaitJob("job-home"))
          .as("%s", rig.store.steps("job-home"))
          .isEqualTo("succeeded");
      rig.await(wf, ItemState.FAILED_OVER);
      Vm home = rig.agentA().getVm(VmRef.newBuilder().setVmId(vm.getId()).build());
      assertThat(home.getPowerState()).isEqualTo("on");
      assertThat(power(rig.agentB(), replicaId)).isEqualTo("off");
      assertThat(rig.hashOverNbd(home)).isEqualTo(guest.sha256());
      RealAgentsRig.write(home, guest, random, 5);
      wf.commit(new AfterFailoverRequest("job-commit-home", null));
      assertThat(rig.awaitJob("job-commit-home"))
          .as("%s", rig.store.steps("job-commit-home"))
          .isEqualTo("succeeded");

      // And reverse again: primary -> secondary, as at the start, the old replica as the seed.
      rig.await(wf, ItemState.PROTECTED);
      assertThat(wf.status().replicaVmId()).isEqualTo(replicaId);
      assertThat(lastItem(rig, "item-home").activeSiteId()).isEqualTo("primary");
      assertThat(role(rig.agentA(), "item-home")).isEqualTo(Role.SOURCE);
      assertThat(role(rig.agentB(), "item-home")).isEqualTo(Role.TARGET);
      assertThat(hash(rig.agentB(), replicaId)).isEqualTo(guest.sha256());
      List<Long> back = resyncBytesSent(rig, "item-home");
      System.out.println("RESULT return_home_resync_bytes_sent=" + back);
      assertThat(back).hasSize(1);
      assertThat(back.get(0)).isPositive().isLessThan(FIVE_BLOCKS);

      RealAgentsRig.write(home, guest, random, 10);
      rig.cycle(wf);
      assertThat(hash(rig.agentB(), replicaId)).isEqualTo(guest.sha256());
    }
  }

  @Test
  void R25_afterAnUnplannedFailoverOnlyTheOperatorReversesAndTheSeedLosesItsStrayWrites()
      throws Exception {
    try (RealAgentsRig rig = new RealAgentsRig(tmp)) {
      Vm vm = rig.runningVm("app", DISK);
      GuestDiskModel guest = new GuestDiskModel(DISK);
      SplittableRandom random = new SplittableRandom(25);
      RealAgentsRig.write(vm, guest, random, 60);
      ProtectedItemWorkflow wf = rig.protect("item-unp", vm.getId());
      rig.await(wf, ItemState.PROTECTED);
      RealAgentsRig.write(vm, guest, random, 10);
      rig.cycle(wf);
      ProtectionInput original =
          new ProtectionInput(
              "item-unp",
              vm.getId(),
              "job-enable-item-unp",
              rig.source(),
              rig.target(),
              RealAgentsRig.COPY_FREQUENCY_SECONDS,
              Map.of("lan", "dr-lan"),
              false,
              null);

      // The primary goes down; its last writes never reach the secondary.
      RealAgentsRig.write(vm, new GuestDiskModel(DISK), random, 4);
      String withLostWrites = hash(rig.agentA(), vm.getId());
      assertThat(withLostWrites).isNotEqualTo(guest.sha256());
      rig.killA();
      wf.failover(new FailoverRequest("job-unp", "unplanned", "latest"));
      assertThat(rig.awaitJob("job-unp"))
          .as("%s", rig.store.steps("job-unp"))
          .isEqualTo("succeeded");
      rig.await(wf, ItemState.FAILED_OVER);
      wf.commit(new AfterFailoverRequest("job-commit", null));
      assertThat(rig.awaitJob("job-commit")).isEqualTo("succeeded");
      // R23: committed, not protected; the workflow ended.
      assertThat(lastItem(rig, "item-unp").state()).isEqualTo("committed");
      String running = lastItem(rig, "item-unp").replicaVmId();
      Vm atB = rig.vmAtB(running);
      assertThat(rig.hashOverNbd(atB)).isEqualTo(guest.sha256());
      RealAgentsRig.write(atB, guest, random, 3);

      // The primary is back with its VM as it was when it went down (with the 4 lost writes);
      // the fence the commit left behind powers that VM off once the primary answers.
      rig.a = AgentServer.start(rig.configA);
      rig.client
          .newUntypedWorkflowStub(OldSourceFence.workflowId("item-unp"))
          .getResult(60, TimeUnit.SECONDS, OldSourceFence.Result.class);
      assertThat(rig.vmAtA(vm.getId()).getPowerState()).isEqualTo("off");
      assertThat(hash(rig.agentA(), vm.getId())).isEqualTo(withLostWrites);

      // R25: the operator asks for reverse replication (the API starts this run).
      ProtectionInput reversed =
          ReverseDirection.of(
              original, running, vm.getId(), "job-reverse", RealAgentsRig.COPY_FREQUENCY_SECONDS);
      WorkflowClient.start(
          rig.client.newWorkflowStub(
                  ProtectedItemWorkflow.class,
                  WorkflowOptions.newBuilder()
                      .setTaskQueue(TaskQueues.HAVEN)
                      .setWorkflowId(ProtectedItemWorkflow.workflowId("item-unp"))
                      .build())
              ::run,
          reversed);
      assertThat(rig.awaitJob("job-reverse"))
          .as("%s", rig.store.steps("job-reverse"))
          .isEqualTo("succeeded");
      wf =
          rig.client.newWorkflowStub(
              ProtectedItemWorkflow.class, ProtectedItemWorkflow.workflowId("item-unp"));
      rig.await(wf, ItemState.PROTECTED);
      assertThat(lastItem(rig, "item-unp").activeSiteId()).isEqualTo("secondary");
      assertThat(hash(rig.agentA(), vm.getId())).isEqualTo(guest.sha256());
      List<Long> sent = resyncBytesSent(rig, "item-unp");
      System.out.println("RESULT unplanned_reverse_resync_bytes_sent=" + sent);
      // The 3 blocks written at the secondary and the 4 lost ones at the primary differ.
      assertThat(sent.get(0)).isPositive().isLessThan(7L * 65536 + 4096);

      RealAgentsRig.write(rig.vmAtB(running), guest, random, 5);
      rig.cycle(wf);
      assertThat(hash(rig.agentA(), vm.getId())).isEqualTo(guest.sha256());
    }
  }

  private static String hash(AgentServiceBlockingStub agent, String vmId) {
    Vm vm = agent.getVm(VmRef.newBuilder().setVmId(vmId).build());
    return agent
        .hashDisk(
            HashDiskRequest.newBuilder().setVmId(vmId).setDiskId(vm.getDisks(0).getId()).build())
        .getSha256();
  }

  private static String power(AgentServiceBlockingStub agent, String vmId) {
    return agent.getVm(VmRef.newBuilder().setVmId(vmId).build()).getPowerState();
  }

  private static Role role(AgentServiceBlockingStub agent, String itemId) {
    var state = agent.getReplicationState(ItemRef.newBuilder().setItemId(itemId).build());
    assertThat(state.getActive()).isTrue();
    return state.getRole();
  }

  private static ItemUpdate lastItem(RealAgentsRig rig, String itemId) {
    List<ItemUpdate> mine =
        rig.store.items.stream().filter(u -> u.itemId().equals(itemId)).toList();
    return mine.get(mine.size() - 1);
  }

  /** The bytes each resyncDisk activity of the item's current run reported sending. */
  private static List<Long> resyncBytesSent(RealAgentsRig rig, String itemId) throws Exception {
    List<Long> out = new ArrayList<>();
    var history = rig.client.fetchHistory(ProtectedItemWorkflow.workflowId(itemId)).getHistory();
    Map<Long, String> types = new HashMap<>();
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
          out.add(new ObjectMapper().readTree(json).path("bytesSent").asLong());
        }
      }
    }
    return out;
  }
}
