package dev.haven.workflows.plans;

import java.util.List;

/** One group of a run's report: its actions and members, in plan order, and its times. */
public record GroupReport(
    String name,
    String state,
    Long startedAt,
    Long endedAt,
    List<ActionReport> pre,
    List<MemberReport> members,
    List<ActionReport> post) {}
