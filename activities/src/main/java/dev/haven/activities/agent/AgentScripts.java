package dev.haven.activities.agent;

import dev.haven.protocol.RunScriptRequest;
import dev.haven.protocol.RunScriptResponse;
import dev.haven.protocol.client.AgentChannels;
import dev.haven.workflows.plans.PlanActivities.ScriptInput;
import dev.haven.workflows.plans.PlanActivities.ScriptRan;
import java.time.Duration;

/**
 * Runs a recovery plan's script on a host agent (R18). The call's deadline is the script's own
 * timeout plus a margin, since the agent kills the script at its timeout and then answers.
 */
public final class AgentScripts {
  private static final Duration MARGIN = Duration.ofSeconds(30);

  private final AgentCalls calls;

  public AgentScripts(AgentChannels channels) {
    this.calls = new AgentCalls(channels);
  }

  public ScriptRan run(ScriptInput in) {
    RunScriptRequest request =
        RunScriptRequest.newBuilder()
            .setName(in.script())
            .addAllArgs(in.args())
            .setTimeoutSeconds(in.timeoutSeconds())
            .build();
    Duration deadline = Duration.ofSeconds(Math.max(1, in.timeoutSeconds())).plus(MARGIN);
    RunScriptResponse ran =
        calls.call("RunScript", in.agentAddress(), deadline, s -> s.runScript(request));
    return new ScriptRan(
        ran.getExitCode(),
        ran.getOutput(),
        ran.getOutputTruncated(),
        ran.getTimedOut(),
        ran.getDurationMillis());
  }
}
