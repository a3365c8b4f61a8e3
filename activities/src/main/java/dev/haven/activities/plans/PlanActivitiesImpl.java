package dev.haven.activities.plans;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.haven.activities.agent.AgentScripts;
import dev.haven.store.RecoveryPlanDao;
import dev.haven.workflows.model.ItemState;
import dev.haven.workflows.plans.PlanActivities;
import dev.haven.workflows.protection.FailoverRequest;
import dev.haven.workflows.protection.TestCleanupRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.failure.ApplicationFailure;
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
  private final AgentScripts scripts;
  private final PlanMembers members;
  private final ItemUpdates updates;
  private final JobFollower follower;
  private final ObjectMapper json = new ObjectMapper();

  public PlanActivitiesImpl(Jdbi jdbi, WorkflowClient workflows, AgentScripts scripts) {
    this.jdbi = jdbi;
    this.scripts = scripts;
    this.members = new PlanMembers(jdbi);
    this.updates = new ItemUpdates(jdbi, workflows);
    this.follower = new JobFollower(jdbi);
  }

  @Override
  public MembersResolved resolveMembers(ResolveInput in) {
    return members.resolveMembers(in);
  }

  @Override
  public MembersResolved resolveTestFailovers(ResolveInput in) {
    return members.resolveTestFailovers(in);
  }

  @Override
  public FailoverStarted startFailover(StartFailoverInput in) {
    FailoverRequest request = new FailoverRequest(in.jobId(), in.type(), in.recoveryPoint());
    return updates.start(
        in.itemId(), in.jobId(), in.type() + "-failover", "failover", wf -> wf.failover(request));
  }

  @Override
  public FailoverStarted startTestCleanup(StartCleanupInput in) {
    TestCleanupRequest request = new TestCleanupRequest(in.jobId(), in.verdict(), in.notes());
    return updates.start(
        in.itemId(),
        in.jobId(),
        TEST_CLEANUP_JOB,
        "test failover clean-up",
        wf -> wf.testFailoverCleanup(request));
  }

  @Override
  public JobEnded awaitJob(AwaitJobInput in) {
    return follower.await(in);
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
