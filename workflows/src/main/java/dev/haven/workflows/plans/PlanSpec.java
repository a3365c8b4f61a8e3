package dev.haven.workflows.plans;

import java.util.List;

/** A validated recovery plan as a run sees it: a snapshot, so editing the plan spares the run. */
public record PlanSpec(String planId, String name, List<PlanGroup> groups) {}
