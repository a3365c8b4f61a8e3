package dev.haven.workflows.protection;

import dev.haven.workflows.activities.AgentActivities;
import dev.haven.workflows.activities.AgentActivities.PowerInput;
import dev.haven.workflows.activities.AgentActivities.StopInput;
import dev.haven.workflows.model.ErrorType;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import org.slf4j.Logger;

/** {@link OldSourceFence}: two idempotent commands, each retried until the old agent answers. */
public final class OldSourceFenceImpl implements OldSourceFence {
  /** A host down for longer than this is not coming back as it was; the fence then fails. */
  static final Duration GIVE_UP_AFTER = Duration.ofDays(30);

  private static final Logger log = Workflow.getLogger(OldSourceFenceImpl.class);

  /**
   * Every few seconds at first, then every half minute however long the host stays away: one that
   * comes back is fenced within 30 s, before anyone could start using the old VM. Retries of an
   * activity add nothing to the history, so waiting for days costs nothing there.
   */
  private static final ActivityOptions UNTIL_IT_ANSWERS =
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofMinutes(1))
          .setScheduleToCloseTimeout(GIVE_UP_AFTER)
          .setRetryOptions(
              RetryOptions.newBuilder()
                  .setInitialInterval(Duration.ofSeconds(2))
                  .setBackoffCoefficient(1.5)
                  .setMaximumInterval(Duration.ofSeconds(30))
                  .setMaximumAttempts(0)
                  .build())
          .build();

  private final AgentActivities agent =
      Workflow.newActivityStub(AgentActivities.class, UNTIL_IT_ANSWERS);

  @Override
  public Result fence(Input in) {
    boolean gone = false;
    try {
      agent.setPower(new PowerInput(in.agentAddress(), in.vmId(), false));
    } catch (ActivityFailure e) {
      if (!(e.getCause() instanceof ApplicationFailure f
          && ErrorType.VM_NOT_FOUND.typeName().equals(f.getType()))) {
        throw e;
      }
      // Deleted meanwhile: nothing left that could run.
      gone = true;
    }
    agent.stopReplication(new StopInput(in.itemId(), in.agentAddress()));
    log.info("item {}: old source VM {} at {} fenced", in.itemId(), in.vmId(), in.agentAddress());
    return new Result(Workflow.currentTimeMillis(), gone);
  }
}
