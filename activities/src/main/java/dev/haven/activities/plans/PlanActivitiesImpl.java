package dev.haven.activities.plans;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.haven.activities.agent.AgentScripts;
import dev.haven.store.Drill;
import dev.haven.store.DrillDao;
import dev.haven.store.Ids;
import dev.haven.store.Job;
import dev.haven.store.JobDao;
import dev.haven.store.Pairing;
import dev.haven.store.PairingDao;
import dev.haven.store.ProtectedItem;
import dev.haven.store.ProtectedItemDao;
import dev.haven.store.RecoveryPlanDao;
import dev.haven.store.RecoveryPointDao;
import dev.haven.workflows.model.ItemState;
import dev.haven.workflows.plans.PlanActivities;
import dev.haven.workflows.protection.FailoverRequest;
import dev.haven.workflows.protection.ProtectedItemWorkflow;
import dev.haven.workflows.protection.TestCleanupRequest;
import io.temporal.activity.Activity;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.jdbi.v3.core.Jdbi;

/**
 * The plan run's reach outside its workflow (R18): the store (members, jobs, the run's report), the
 * item workflows (their failover Update) and the agents (scripts).
 */
public final class PlanActivitiesImpl implements PlanActivities {
  /** Direction names of the API: which site an item must be active at to fail over. */
  public static final String PRIMARY_TO_SECONDARY = "primary-to-secondary";

  public static final String SECONDARY_TO_PRIMARY = "secondary-to-primary";

  /** The job type of a test failover, as the API spells it. */
  static final String TEST_FAILOVER_JOB = "test-failover";

  /** The job type of a test failover's clean-up, as the API spells it. */
  static final String TEST_CLEANUP_JOB = "test-failover-cleanup";

  /** The item state of a running test failover, as the store spells it. */
  static final String TEST_FAILOVER = ItemState.TEST_FAILOVER.apiName();

  /** How long the failover Update may take to be accepted. */
  static final long UPDATE_WAIT_SECONDS = 20;

  /** How often a followed job is read. */
  static final long POLL_MILLIS = 1_000;

  private final Jdbi jdbi;
  private final WorkflowClient workflows;
  private final AgentScripts scripts;
  private final ObjectMapper json = new ObjectMapper();

  public PlanActivitiesImpl(Jdbi jdbi, WorkflowClient workflows, AgentScripts scripts) {
    this.jdbi = jdbi;
    this.workflows = workflows;
    this.scripts = scripts;
  }

  @Override
  public MembersResolved resolveMembers(ResolveInput in) {
    return jdbi.withHandle(
        h -> {
          List<ProtectedItem> items = h.attach(ProtectedItemDao.class).list();
          PairingDao pairings = h.attach(PairingDao.class);
          List<MemberTarget> out = new ArrayList<>();
          for (String vm : in.vmIds()) {
            Optional<ProtectedItem> item =
                items.stream()
                    .filter(i -> vm.equals(i.vmId()) || vm.equals(i.replicaVmId()))
                    .filter(i -> !i.state().equals("disabled"))
                    .max(Comparator.comparingLong(ProtectedItem::createdAt));
            if (item.isEmpty()) {
              out.add(new MemberTarget(vm, null, "the VM is not protected"));
              continue;
            }
            ProtectedItem found = item.get();
            Pairing pairing = pairings.find(found.pairingId()).orElseThrow();
            String active =
                found.activeSiteId() != null ? found.activeSiteId() : pairing.sourceSiteId();
            String expected =
                SECONDARY_TO_PRIMARY.equals(in.direction())
                    ? pairing.targetSiteId()
                    : pairing.sourceSiteId();
            if (!active.equals(expected)) {
              out.add(
                  new MemberTarget(
                      vm,
                      null,
                      "item "
                          + found.id()
                          + " is active at site "
                          + active
                          + ", not at the site that "
                          + in.direction()
                          + " fails over from"));
            } else {
              out.add(new MemberTarget(vm, found.id(), null));
            }
          }
          return new MembersResolved(out);
        });
  }

  @Override
  public MembersResolved resolveTestFailovers(ResolveInput in) {
    MembersResolved members = resolveMembers(in);
    return jdbi.withHandle(
        h -> {
          ProtectedItemDao items = h.attach(ProtectedItemDao.class);
          List<MemberTarget> out = new ArrayList<>();
          for (MemberTarget member : members.members()) {
            if (member.itemId() == null) {
              out.add(member);
              continue;
            }
            String state = items.find(member.itemId()).map(ProtectedItem::state).orElse("gone");
            out.add(
                state.equals(TEST_FAILOVER)
                    ? member
                    : new MemberTarget(
                        member.vmId(),
                        null,
                        "item "
                            + member.itemId()
                            + " runs no test failover (it is "
                            + state
                            + "); nothing to clean up"));
          }
          return new MembersResolved(out);
        });
  }

  @Override
  public FailoverStarted startFailover(StartFailoverInput in) {
    FailoverRequest request = new FailoverRequest(in.jobId(), in.type(), in.recoveryPoint());
    return start(
        in.itemId(), in.jobId(), in.type() + "-failover", "failover", wf -> wf.failover(request));
  }

  @Override
  public FailoverStarted startTestCleanup(StartCleanupInput in) {
    TestCleanupRequest request = new TestCleanupRequest(in.jobId(), in.verdict(), in.notes());
    return start(
        in.itemId(),
        in.jobId(),
        TEST_CLEANUP_JOB,
        "test failover clean-up",
        wf -> wf.testFailoverCleanup(request));
  }

  /**
   * Creates job {@code jobId} of type {@code jobType} if it is missing and sends the item's
   * workflow the Update {@code call}. A retry after the Update went through finds the job moving
   * and answers as the first call did; a refused Update deletes the job again.
   */
  private FailoverStarted start(
      String itemId,
      String jobId,
      String jobType,
      String what,
      Function<ProtectedItemWorkflow, ?> call) {
    String workflowId = ProtectedItemWorkflow.workflowId(itemId);
    long now = System.currentTimeMillis();
    Optional<Job> existing = jdbi.withExtension(JobDao.class, d -> d.find(jobId));
    if (existing.isPresent() && !existing.get().state().equals("queued")) {
      // A retry after the Update went through: the item's workflow already runs the job.
      Job job = existing.get();
      return new FailoverStarted(job.id(), job.createdAt());
    }
    if (existing.isEmpty()) {
      Job job = new Job(jobId, jobType, itemId, "queued", now, null, null, workflowId, null);
      jdbi.useExtension(JobDao.class, d -> d.insert(job));
    }
    long createdAt = existing.map(Job::createdAt).orElse(now);
    ProtectedItemWorkflow item = workflows.newWorkflowStub(ProtectedItemWorkflow.class, workflowId);
    CompletableFuture<?> update = CompletableFuture.supplyAsync(() -> call.apply(item));
    try {
      update.get(UPDATE_WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ApplicationFailure.newFailure("interrupted while asking " + workflowId, "Interrupted");
    } catch (TimeoutException e) {
      update.cancel(true);
      throw ApplicationFailure.newFailure(
          "the item's workflow "
              + workflowId
              + " did not accept the "
              + what
              + " within "
              + UPDATE_WAIT_SECONDS
              + " s",
          "WorkflowUnavailable");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (jobMoved(jobId)) {
        return new FailoverStarted(jobId, createdAt);
      }
      if (cause instanceof WorkflowUpdateException refused) {
        jdbi.useExtension(JobDao.class, d -> d.delete(jobId));
        Throwable why = refused.getCause();
        String message =
            why instanceof ApplicationFailure a ? a.getOriginalMessage() : String.valueOf(why);
        throw ApplicationFailure.newNonRetryableFailure(
            "item " + itemId + " refused the " + what + ": " + message, "FailoverRefused");
      }
      throw ApplicationFailure.newFailure(
          "could not ask " + workflowId + " for the " + what + ": " + cause, "WorkflowUnavailable");
    }
    return new FailoverStarted(jobId, createdAt);
  }

  private boolean jobMoved(String jobId) {
    return jdbi.withExtension(JobDao.class, d -> d.find(jobId))
        .map(j -> !j.state().equals("queued"))
        .orElse(false);
  }

  @Override
  public JobEnded awaitJob(AwaitJobInput in) {
    while (true) {
      Job job =
          jdbi.withExtension(JobDao.class, d -> d.find(in.jobId()))
              .orElseThrow(
                  () ->
                      ApplicationFailure.newNonRetryableFailure(
                          "job " + in.jobId() + " does not exist", "JobNotFound"));
      if (JobDao.TERMINAL_STATES.contains(job.state())) {
        return ended(in.itemId(), job);
      }
      // Heartbeating also delivers a cancelled run's request to stop following.
      Activity.getExecutionContext().heartbeat(job.state());
      try {
        Thread.sleep(POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw ApplicationFailure.newFailure(
            "interrupted while following " + in.jobId(), "Interrupted");
      }
    }
  }

  /**
   * How {@code job} ended and the recovery point the item stands on: for a test failover or its
   * clean-up, the point the drill ran (the item's own point moves on underneath a drill).
   */
  private JobEnded ended(String itemId, Job job) {
    return jdbi.withHandle(
        h -> {
          ProtectedItem item = h.attach(ProtectedItemDao.class).find(itemId).orElse(null);
          DrillDao drills = h.attach(DrillDao.class);
          Optional<Drill> drill =
              job.type().equals(TEST_FAILOVER_JOB)
                  ? drills.find(job.id())
                  : job.type().equals(TEST_CLEANUP_JOB)
                      ? drills.findByCleanupJob(job.id())
                      : Optional.empty();
          Long seq =
              drill.isPresent()
                  ? Long.valueOf(drill.get().pointSeq())
                  : item == null ? null : item.lastAppliedSeq();
          String point = null;
          Long pointAt = null;
          if (seq != null) {
            point = Ids.recoveryPoint(seq);
            pointAt =
                h.attach(RecoveryPointDao.class)
                    .findBySeq(itemId, seq)
                    .map(p -> p.createdAt())
                    .orElse(item == null ? null : item.lastRecoveryPointAt());
          }
          return new JobEnded(
              job.id(), job.state(), job.error(), job.startedAt(), job.endedAt(), point, pointAt);
        });
  }

  @Override
  public ScriptRan runScript(ScriptInput in) {
    return scripts.run(in);
  }

  @Override
  public Recorded recordRun(RunRecord record) {
    String report;
    try {
      report = json.writeValueAsString(record.report());
    } catch (JsonProcessingException e) {
      throw ApplicationFailure.newNonRetryableFailure(
          "the report of run " + record.runId() + " cannot be written: " + e.getMessage(),
          "BadReport");
    }
    int rows =
        jdbi.withExtension(
            RecoveryPlanDao.class,
            d -> d.recordRun(record.runId(), record.state(), record.endedAtMillis(), report));
    return new Recorded(rows > 0);
  }
}
