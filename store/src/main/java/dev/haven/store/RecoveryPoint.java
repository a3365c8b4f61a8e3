package dev.haven.store;

/** A recovery point of an item (R13): the target applied log {@code seq}; its id is rp-seq. */
public record RecoveryPoint(
    String itemId, long seq, String id, long createdAt, boolean appConsistent) {}
