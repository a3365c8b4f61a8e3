package dev.haven.store;

/** A site (R2): a named group of hosts, on premises ({@code onprem}) or a {@code cloud} target. */
public record Site(String id, String name, String kind, long createdAt) {}
