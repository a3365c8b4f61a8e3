package dev.haven.cloud.layout;

/**
 * One part of a shipped change log: the log of sequence {@code seq} is the parts {@code 0..n} in
 * order, each an object {@code key} whose plaintext has SHA-256 {@code sha256} (hex).
 */
public record LogPartRef(long seq, int part, String key, String sha256) {}
