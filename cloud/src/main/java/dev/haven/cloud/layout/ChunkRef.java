package dev.haven.cloud.layout;

/**
 * One stored base chunk of a disk: chunk {@code index} (at byte {@code index * chunkBytes}) is the
 * object {@code key}, whose plaintext has SHA-256 {@code sha256} (hex). Chunks that are all zeros
 * are not stored and have no ref.
 */
public record ChunkRef(int index, String key, String sha256) {}
