package dev.haven.api.core;

import dev.haven.api.error.ApiException;
import dev.haven.api.json.ItemJson;
import dev.haven.store.Ids;
import dev.haven.store.Job;
import dev.haven.store.JobDao;
import dev.haven.store.ProtectedItem;
import dev.haven.store.ProtectedItemDao;
import dev.haven.store.RecoveryPointDao;
import dev.haven.workflows.model.HostRef;
import dev.haven.workflows.model.ItemState;
import dev.haven.workflows.protection.FailoverRequest;
import dev.haven.workflows.protection.FailoverView;
import dev.haven.workflows.protection.ProtectedItemWorkflow;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowNotFoundException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks an item's workflow for a failover (R17) through its {@code failover} Update. The Update's
 * handler only queues the operation and answers, so the request waits for the workflow to accept
 * it, never for the failover to end. Planned, unplanned and test failover are offered.
 */
public final class FailoverService {
  /** The job type of a planned failover. */
  public static final String PLANNED_JOB = "planned-failover";

  /** The job type of a test failover. */
  public static final String TEST_JOB = "test-failover";

  /** The job type of an unplanned failover. */
  public static final String UNPLANNED_JOB = "unplanned-failover";

  /** An unplanned failover is for a source that is gone, which often leaves cycles failing. */
  private static final List<String> UNPLANNED_FROM = List.of("protected", "paused", "error");

  /** How long a request waits for the workflow to accept or reject the Update. */
  static final Duration UPDATE_WAIT = Duration.ofSeconds(15);

  private static final Logger LOG = LoggerFactory.getLogger(FailoverService.class);

  private final Jdbi jdbi;
  private final WorkflowClient workflows;
  private final WorkflowUpdates updates;
  private final AfterFailoverService after;
  private final TestFailoverService tests;
  private final ReverseReplicationService reverse;

  public FailoverService(Jdbi jdbi, WorkflowClient workflows, ExecutorService calls) {
    this.jdbi = jdbi;
    this.workflows = workflows;
    this.updates = new WorkflowUpdates(workflows, calls);
    this.after = new AfterFailoverService(jdbi, updates);
    this.tests = new TestFailoverService(jdbi, updates);
    this.reverse = new ReverseReplicationService(jdbi, workflows);
  }

  /** Reverse replication after a committed unplanned failover (R25). */
  public ReverseReplicationService reverse() {
    return reverse;
  }

  /** The clean-up and the reports of test failovers (R27). */
  public TestFailoverService tests() {
    return tests;
  }

  /** The operator's commit, cancel and change of recovery point after a failover (R20, R24). */
  public AfterFailoverService after() {
    return after;
  }

  /** Fails item {@code itemId} over as {@code body} asks; answers the job that follows it. */
  /**
   * What the item's last failover left running at the target (type, VM, recovery point, automatic
   * commit time), as its workflow reports it; 404 when the item is not failed over. After an
   * unplanned failover this VM is a copy built at the chosen point, not the replica.
   */
  public FailoverView current(String itemId) {
    jdbi.withExtension(ProtectedItemDao.class, d -> d.find(itemId))
        .orElseThrow(() -> ApiException.notFound("protected item", itemId, null));
    FailoverView view;
    try {
      view =
          workflows
              .newWorkflowStub(
                  ProtectedItemWorkflow.class, ProtectedItemWorkflow.workflowId(itemId))
              .failedOver();
    } catch (WorkflowNotFoundException e) {
      view = null;
    }
    if (view == null) {
      throw new ApiException(
          404, "NOT_FOUND", "protected item '" + itemId + "' is not failed over", null);
    }
    return view;
  }

  public ItemJson.Accepted failover(String itemId, ItemJson.Failover body) {
    // A test failover, like a planned one, starts from a protected item.
    boolean planned = !body.type().equals("unplanned");
    ProtectedItem item =
        jdbi.withExtension(ProtectedItemDao.class, d -> d.find(itemId))
            .orElseThrow(() -> ApiException.notFound("protected item", itemId, null));
    // R21: committed in the cloud, the item's one way is a planned failover home.
    boolean inCloud = FailbackChecks.inCloud(jdbi, item);
    HostRef alternateHost =
        FailbackChecks.alternateHost(jdbi, item, inCloud, body.alternateHostId());
    if (inCloud && !body.type().equals("planned")) {
      throw ApiException.conflict(
          "the item is failed over to a cloud site; only a planned failover (the failback) is"
              + " allowed now, not "
              + body.type());
    }
    String allowed = ItemState.PROTECTED.apiName();
    if (planned && !inCloud && !item.state().equals(allowed)) {
      throw ApiException.conflict(
          "failover is not allowed while the item is in state "
              + item.state()
              + "; it is allowed in state "
              + allowed);
    }
    if (!planned && !UNPLANNED_FROM.contains(item.state())) {
      throw ApiException.conflict(
          "unplanned failover is not allowed while the item is in state "
              + item.state()
              + "; it is allowed in state protected, paused or error");
    }
    String recoveryPoint = recoveryPoint(jdbi, itemId, body.recoveryPoint());
    checkAddress("staticIp", body.staticIp());
    checkAddress("publicIp", body.publicIp());

    String jobId = Ids.next("job");
    String workflowId = ProtectedItemWorkflow.workflowId(itemId);
    Job job =
        new Job(
            jobId,
            jobType(body.type()),
            itemId,
            "queued",
            System.currentTimeMillis(),
            null,
            null,
            workflowId,
            null);
    jdbi.useExtension(JobDao.class, d -> d.insert(job));
    try {
      askWorkflow(
          workflowId,
          new FailoverRequest(
              jobId,
              body.type(),
              recoveryPoint,
              body.autoCommitSeconds(),
              body.staticIp(),
              body.publicIp(),
              alternateHost));
    } catch (ApiException e) {
      jdbi.useExtension(JobDao.class, d -> d.delete(jobId));
      throw e;
    }
    LOG.info("{} failover of item {} accepted as job {}", body.type(), itemId, jobId);
    return new ItemJson.Accepted(jobId, null);
  }

  /** R19: an IP literal, never a host name, so nothing is looked up. */
  private static void checkAddress(String field, String value) {
    if (value != null && !com.google.common.net.InetAddresses.isInetAddress(value)) {
      throw ApiException.badRequest(
          field, field + " must be an IPv4 or IPv6 address; '" + value + "' is not");
    }
  }

  private static String jobType(String type) {
    return switch (type) {
      case "planned" -> PLANNED_JOB;
      case "unplanned" -> UNPLANNED_JOB;
      default -> TEST_JOB;
    };
  }

  /** {@code latest} when absent; otherwise a spelling the workflow knows or an existing point. */
  static String recoveryPoint(Jdbi jdbi, String itemId, String asked) {
    if (asked == null || asked.equals("latest") || asked.equals("latest-app-consistent")) {
      return asked == null ? "latest" : asked;
    }
    boolean known =
        jdbi.withExtension(RecoveryPointDao.class, d -> d.findById(itemId, asked)).isPresent();
    if (!known) {
      throw ApiException.badRequest(
          "recoveryPoint",
          "recoveryPoint must be latest, latest-app-consistent or a recovery point of the item;"
              + " '"
              + asked
              + "' is none of these");
    }
    return asked;
  }

  private void askWorkflow(String workflowId, FailoverRequest request) {
    updates.call(workflowId, "failover", wf -> wf.failover(request));
  }
}
