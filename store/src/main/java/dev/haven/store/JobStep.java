package dev.haven.store;

/** A step of a job, keyed by job and name; {@code ordinal} orders steps by their first start. */
public record JobStep(
    String jobId,
    String name,
    int ordinal,
    String state,
    Long startedAt,
    Long endedAt,
    String error) {}
