package dev.haven.dist.commands;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/** The run verbs of {@code haven plans} name the run by plan id and run id, in that order. */
class PlansCommandTest {
  private static Object verb(String... args) {
    ParseResult parsed = new CommandLine(new PlansCommand()).parseArgs(args);
    List<CommandLine> chain = parsed.asCommandLineList();
    return chain.get(chain.size() - 1).getCommand();
  }

  @Test
  void R18_runVerbsAddressTheRunOfThePlan() {
    PlansCommand.Report report = (PlansCommand.Report) verb("report", "plan-1", "run-2");
    assertThat(report.run.path()).isEqualTo("/recovery-plans/plan-1/runs/run-2");
    PlansCommand.Resume resume = (PlansCommand.Resume) verb("resume", "plan-1", "run-2", "step-3");
    assertThat(resume.run.path()).isEqualTo("/recovery-plans/plan-1/runs/run-2");
    assertThat(resume.stepId).isEqualTo("step-3");
    PlansCommand.Cancel cancel = (PlansCommand.Cancel) verb("cancel", "plan-1", "run-2");
    assertThat(cancel.run.path()).isEqualTo("/recovery-plans/plan-1/runs/run-2");
  }
}
