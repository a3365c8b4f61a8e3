package dev.haven.workflows.protection;

import static dev.haven.workflows.activities.ActivityRetries.backoff;

import dev.haven.workflows.activities.ActivityRetries;
import dev.haven.workflows.activities.AgentActivities;
import dev.haven.workflows.activities.FenceActivities;
import dev.haven.workflows.activities.StoreActivities;
import io.temporal.activity.ActivityOptions;
import io.temporal.activity.LocalActivityOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;

/**
 * The activity stubs of the protection workflow, one per kind of call, each with explicit timeouts
 * and retries. Short agent commands fail fast so that the workflow can record the error; long
 * copies heartbeat so that a dead worker or agent is noticed in seconds, not hours.
 */
final class ProtectionActivities {

  /** Store calls, as the protection and the plan workflows both make them. */
  static final ActivityOptions STORE = ActivityRetries.STORE;

  /**
   * A delta cycle's store write, run as a local activity: in the worker, inside the workflow task
   * that follows the cycle, leaving one marker in the history instead of an activity's three events
   * and a workflow task of its own. Retried like {@link #STORE}.
   */
  static final LocalActivityOptions CYCLE_STORE =
      LocalActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofSeconds(30))
          .setScheduleToCloseTimeout(Duration.ofMinutes(30))
          .setRetryOptions(backoff(Duration.ofSeconds(1), Duration.ofMinutes(1), 0))
          .build();

  /** Inventory, power, prepare, start, stop and state: short unary calls to one agent. */
  static final ActivityOptions AGENT_COMMAND =
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofMinutes(2))
          .setRetryOptions(backoff(Duration.ofSeconds(2), Duration.ofMinutes(1), 5))
          .build();

  /** One disk's initial copy: hours long; every attempt resumes where the target stopped. */
  static final ActivityOptions COPY_DISK =
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofHours(6))
          .setHeartbeatTimeout(Duration.ofSeconds(30))
          .setRetryOptions(backoff(Duration.ofSeconds(5), Duration.ofMinutes(2), 20))
          .build();

  /** Hashing every disk of a VM reads it whole, so it heartbeats too. */
  static final ActivityOptions HASH_DISKS =
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofHours(2))
          .setHeartbeatTimeout(Duration.ofSeconds(30))
          .setRetryOptions(backoff(Duration.ofSeconds(2), Duration.ofMinutes(1), 5))
          .build();

  /**
   * A delta cycle ships every unacknowledged log. One attempt: R16's back-off in the workflow is
   * the retry, and the workflow records the failure in between.
   */
  static final ActivityOptions CYCLE =
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofHours(1))
          .setHeartbeatTimeout(Duration.ofSeconds(30))
          .setRetryOptions(backoff(Duration.ofSeconds(2), Duration.ofMinutes(1), 1))
          .build();

  /**
   * The last cycle of a planned failover, with the source already off: a few quick attempts, so
   * that one dropped connection does not roll the failover back.
   */
  static final ActivityOptions LAST_CYCLE =
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofHours(1))
          .setHeartbeatTimeout(Duration.ofSeconds(30))
          .setRetryOptions(backoff(Duration.ofSeconds(2), Duration.ofMinutes(1), 3))
          .build();

  final AgentActivities agent;
  final AgentActivities copier;
  final AgentActivities hasher;
  final AgentActivities cycler;
  final AgentActivities lastCycler;
  final StoreActivities store;
  final StoreActivities cycleStore;
  final FenceActivities fence;

  ProtectionActivities() {
    agent = Workflow.newActivityStub(AgentActivities.class, AGENT_COMMAND);
    copier = Workflow.newActivityStub(AgentActivities.class, COPY_DISK);
    hasher = Workflow.newActivityStub(AgentActivities.class, HASH_DISKS);
    cycler = Workflow.newActivityStub(AgentActivities.class, CYCLE);
    lastCycler = Workflow.newActivityStub(AgentActivities.class, LAST_CYCLE);
    store = Workflow.newActivityStub(StoreActivities.class, STORE);
    cycleStore = Workflow.newLocalActivityStub(StoreActivities.class, CYCLE_STORE);
    fence = Workflow.newActivityStub(FenceActivities.class, STORE);
  }
}
