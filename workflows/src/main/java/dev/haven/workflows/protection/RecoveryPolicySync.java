package dev.haven.workflows.protection;

import dev.haven.workflows.activities.AgentActivities.RecoveryPolicyInput;
import dev.haven.workflows.activities.StoreActivities.ItemPolicy;
import dev.haven.workflows.activities.StoreActivities.ItemRef;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import org.slf4j.Logger;

/**
 * Keeps the agents' recovery-point policy in line with the item's replication policy (R9, R13): the
 * target prunes points older than the retention, the source takes app-consistent points at their
 * frequency. It reads the policy from the store when protection starts or resumes, and sends it
 * again whenever an {@code updatePolicy} changes the retention or the app-consistent frequency.
 */
final class RecoveryPolicySync {
  /** New in this version: histories from before replay without these calls. */
  static final String VERSION = "recovery-policy-sync";

  private static final Logger log = Workflow.getLogger(RecoveryPolicySync.class);

  private final ProtectionState s;
  private final ProtectionActivities a;
  private final ResyncSteps resync;

  /** A policy that an agent did not take (it was unreachable); sent again after a good cycle. */
  private PolicySettings unsent;

  RecoveryPolicySync(ProtectionState state, ProtectionActivities activities, ResyncSteps resync) {
    this.s = state;
    this.a = activities;
    this.resync = resync;
  }

  /** Protection was enabled or resumed: learns the store's policy and sends it to the agents. */
  void started() {
    if (!enabled()) {
      return;
    }
    ItemPolicy p;
    try {
      p = a.store.itemPolicy(new ItemRef(s.itemId()));
    } catch (ActivityFailure e) {
      log.warn("item {}: could not read its policy: {}", s.itemId(), Failures.describe(e));
      return;
    }
    if (p == null || p.policyId() == null) {
      return;
    }
    resync.compress(p.compression());
    if (s.policy == null) {
      s.policy =
          new PolicySettings(
              p.policyId(),
              p.copyFrequencySeconds(),
              p.recoveryPointRetentionHours(),
              p.appConsistentFrequencyHours(),
              p.resyncWindow(),
              p.resyncTimeZone(),
              p.replicaDeletion());
    }
    send(s.policy);
  }

  /** An {@code updatePolicy} arrived: sends it when what the agents keep or take changed. */
  void changed(PolicySettings before, PolicySettings after) {
    if (!enabled()) {
      return;
    }
    boolean same =
        before != null
            && before.recoveryPointRetentionHours() == after.recoveryPointRetentionHours()
            && before.appConsistentFrequencyHours() == after.appConsistentFrequencyHours();
    if (!same) {
      send(after);
    }
  }

  /** After a delta cycle: sends a policy again that an agent missed, once the agents answer. */
  void retryUnsent() {
    if (unsent != null && s.state == dev.haven.workflows.model.ItemState.PROTECTED) {
      PolicySettings p = unsent;
      unsent = null;
      send(p);
    }
  }

  private void send(PolicySettings p) {
    long retention = Duration.ofHours(p.recoveryPointRetentionHours()).toMillis();
    long appConsistent = Duration.ofHours(p.appConsistentFrequencyHours()).toMillis();
    // The target prunes by the retention; the source quiesces by the app-consistent frequency.
    for (String agent :
        new String[] {s.input.target().agentAddress(), s.input.source().agentAddress()}) {
      try {
        a.agent.setRecoveryPolicy(
            new RecoveryPolicyInput(s.itemId(), agent, retention, appConsistent));
      } catch (ActivityFailure e) {
        unsent = p;
        log.warn("item {}: agent {} kept its old recovery policy: {}", s.itemId(), agent, e);
      }
    }
  }

  private static boolean enabled() {
    return Workflow.getVersion(VERSION, Workflow.DEFAULT_VERSION, 1) >= 1;
  }
}
