package dev.haven.api.core;

import dev.haven.api.error.ApiException;
import dev.haven.store.PlanRun;
import dev.haven.store.ProtectedItem;
import dev.haven.store.ProtectedItemDao;
import dev.haven.store.RecoveryPlanDao;
import dev.haven.workflows.model.ItemState;
import dev.haven.workflows.plans.PlanRunInput;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * Which test failover of a plan a clean-up run cleans up (R27): the plan's latest run of type
 * {@code test}, unless a clean-up after it succeeded, and only while at least one of the plan's VMs
 * has a test failover running.
 */
final class PlanTestFailovers {
  static final String TEST = "test";

  private PlanTestFailovers() {}

  /**
   * The test run that a clean-up of plan {@code planId}, whose VMs are {@code vms}, cleans up; 409
   * naming why when there is none.
   */
  static PlanRun runToCleanUp(Handle h, String planId, List<String> vms) {
    List<PlanRun> runs = h.attach(RecoveryPlanDao.class).runs(planId);
    Optional<PlanRun> cleanedBy = Optional.empty();
    PlanRun test = null;
    for (PlanRun run : runs) {
      if (run.type().equals(TEST)) {
        test = run;
        break;
      }
      if (run.type().equals(PlanRunInput.TEST_CLEANUP)
          && run.state().equals("succeeded")
          && cleanedBy.isEmpty()) {
        cleanedBy = Optional.of(run);
      }
    }
    if (test == null) {
      throw ApiException.conflict(
          "no test failover of recovery plan "
              + planId
              + " has run; start one with POST /recovery-plans/"
              + planId
              + "/failover {\"type\": \"test\"}");
    }
    if (cleanedBy.isPresent()) {
      throw ApiException.conflict(
          "the test failover of run "
              + test.id()
              + " of recovery plan "
              + planId
              + " was cleaned up already, by run "
              + cleanedBy.get().id());
    }
    String testFailover = ItemState.TEST_FAILOVER.apiName();
    boolean anyRunning =
        h.attach(ProtectedItemDao.class).list().stream()
            .filter(i -> vms.contains(i.vmId()) || vms.contains(i.replicaVmId()))
            .map(ProtectedItem::state)
            .anyMatch(testFailover::equals);
    if (!anyRunning) {
      throw ApiException.conflict(
          "no test failover of recovery plan "
              + planId
              + " is running: none of its VMs' items is in state "
              + testFailover
              + " (its latest test run "
              + test.id()
              + " is "
              + test.state()
              + ")");
    }
    return test;
  }
}
