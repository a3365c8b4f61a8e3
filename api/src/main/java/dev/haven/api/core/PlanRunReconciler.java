package dev.haven.api.core;

import dev.haven.store.JobDao;
import dev.haven.store.PlanRun;
import dev.haven.store.RecoveryPlanDao;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowNotFoundException;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes recovery plan runs whose workflow is gone. The embedded Temporal server forgets every
 * workflow when the stack stops; a run that was open then would show {@code running} for ever and
 * block the plan's next run. At start, each open run created before this API started is asked for:
 * a run whose workflow is unknown or closed is marked {@code failed} with a reason, its job too. A
 * run is not resumed: its failovers may have ended either way, and the operator decides from the
 * items' states whether to run the plan again.
 */
public final class PlanRunReconciler extends StartupPasses {
  static final String INTERRUPTED =
      "interrupted: Haven stopped while this run went on and its workflow is gone; check the"
          + " items' states and run the plan again if it is still wanted";

  private static final Logger LOG = LoggerFactory.getLogger(PlanRunReconciler.class);
  private static final int ATTEMPTS = 20;

  private final Jdbi jdbi;
  private final WorkflowClient workflows;

  public PlanRunReconciler(Jdbi jdbi, WorkflowClient workflows) {
    super("plan-run-reconciler", ATTEMPTS);
    this.jdbi = jdbi;
    this.workflows = workflows;
  }

  @Override
  boolean pass() {
    List<PlanRun> open = jdbi.withExtension(RecoveryPlanDao.class, RecoveryPlanDao::unfinished);
    for (PlanRun run : open) {
      if (run.createdAt() < startedAtMillis() && gone(run)) {
        close(run);
      }
    }
    return true;
  }

  private boolean gone(PlanRun run) {
    try {
      WorkflowExecutionStatus status =
          workflows.newUntypedWorkflowStub(run.workflowId()).describe().getStatus();
      return status != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
    } catch (WorkflowNotFoundException e) {
      return true;
    }
  }

  private void close(PlanRun run) {
    long now = System.currentTimeMillis();
    jdbi.useTransaction(
        h -> {
          h.attach(RecoveryPlanDao.class).close(run.id(), "failed", now, INTERRUPTED);
          JobDao jobs = h.attach(JobDao.class);
          jobs.find(run.jobId())
              .filter(j -> !JobDao.TERMINAL_STATES.contains(j.state()))
              .ifPresent(j -> jobs.updateState(j.movedTo("failed", now, INTERRUPTED)));
        });
    LOG.info("run {} of plan {} closed as failed: its workflow is gone", run.id(), run.planId());
  }
}
