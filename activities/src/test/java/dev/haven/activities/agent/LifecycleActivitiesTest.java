package dev.haven.activities.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.protocol.AgentInfo;
import dev.haven.protocol.Disk;
import dev.haven.protocol.Vm;
import dev.haven.protocol.VmRef;
import dev.haven.protocol.client.AgentChannels;
import dev.haven.protocol.tls.TlsFiles;
import dev.haven.workflows.activities.AgentActivities.DeleteVmInput;
import dev.haven.workflows.activities.AgentActivities.PrerequisitesInput;
import dev.haven.workflows.activities.AgentActivities.PrerequisitesMet;
import dev.haven.workflows.activities.AgentActivities.ReplicaNetworksInput;
import io.grpc.Status;
import io.temporal.failure.ApplicationFailure;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** R10's prerequisite check, R12's network check and DeleteVm against fake agents. */
class LifecycleActivitiesTest {
  @TempDir static Path certs;
  private static TlsFiles[] ids;

  private FakeAgent source;
  private FakeAgent target;
  private AgentChannels channels;
  private AgentActivitiesImpl activities;

  @BeforeAll
  static void makeCertificates() throws Exception {
    ids = FakeAgent.identities(certs);
  }

  @BeforeEach
  void start() throws Exception {
    source = new FakeAgent(ids[0]);
    target = new FakeAgent(ids[0]);
    channels = new AgentChannels(ids[1].channelCredentials());
    activities = new AgentActivitiesImpl(channels);
    source.vm =
        Vm.newBuilder()
            .setId("vm-1")
            .addDisks(Disk.newBuilder().setId("d1").setSizeBytes(1L << 20))
            .addDisks(Disk.newBuilder().setId("d2").setSizeBytes(2L << 20))
            .addNetworks("lan")
            .build();
    target.info = AgentInfo.newBuilder().setFreeBytes(10L << 20).build();
  }

  @AfterEach
  void stop() throws Exception {
    channels.close();
    source.close();
    target.close();
  }

  private PrerequisitesInput input() {
    return new PrerequisitesInput("item-1", source.address(), "vm-1", target.address());
  }

  private static void unmet(Runnable call, String message) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo("PrerequisiteFailed");
              assertThat(f.isNonRetryable()).isTrue();
              assertThat(f.getOriginalMessage()).contains(message);
            });
  }

  @Test
  void R10_prerequisitesHoldWhenTheTargetHasRoomForEveryDisk() {
    PrerequisitesMet met = activities.checkPrerequisites(input());

    assertThat(met).isEqualTo(new PrerequisitesMet(2, 3L << 20, 10L << 20));
  }

  @Test
  void R10_notEnoughFreeSpaceAtTheTargetIsNamed() {
    target.info = AgentInfo.newBuilder().setFreeBytes(1L << 20).build();

    unmet(
        () -> activities.checkPrerequisites(input()),
        "not enough free space at the target host "
            + target.address()
            + ": 1048576 bytes free, 3145728 bytes needed");
  }

  @Test
  void R10_anUnreachableTargetAndAMissingVmAreNamed() {
    source.failures.put("GetVm", Status.NOT_FOUND.withDescription("vm vm-1 does not exist"));
    unmet(() -> activities.checkPrerequisites(input()), "VM 'vm-1' cannot be read at the source");

    target.failures.put("GetInfo", Status.UNAVAILABLE.withDescription("connection refused"));
    unmet(
        () -> activities.checkPrerequisites(input()),
        "the target host's agent at " + target.address() + " is not reachable");
  }

  @Test
  void R12_theReplicaMustBeOnTheMappedNetworks() {
    target.vm = Vm.newBuilder().setId("replica-1").addNetworks("dr-lan").build();
    ReplicaNetworksInput in =
        new ReplicaNetworksInput(
            source.address(), "vm-1", target.address(), "replica-1", Map.of("lan", "dr-lan"));

    assertThat(activities.verifyReplicaNetworks(in).networks()).containsExactly("dr-lan");

    target.vm = Vm.newBuilder().setId("replica-1").addNetworks("lan").build();
    assertThatThrownBy(() -> activities.verifyReplicaNetworks(in))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> assertThat(f.getType()).isEqualTo("ReplicaInvalidState"));
  }

  @Test
  void deleteVmIsIdempotent() {
    assertThat(activities.deleteVm(new DeleteVmInput(target.address(), "replica-1")).vmId())
        .isEqualTo("replica-1");
    assertThat(target.requestsOf(VmRef.class)).extracting(VmRef::getVmId).contains("replica-1");

    target.failures.put("DeleteVm", Status.NOT_FOUND.withDescription("gone"));
    assertThat(activities.deleteVm(new DeleteVmInput(target.address(), "replica-1")).vmId())
        .isEqualTo("replica-1");
  }
}
