package dev.haven.cloud.replica;

/**
 * What an upload did: chunks read, chunks skipped because they are all zeros or already stored, and
 * the bytes put into the store (sealed sizes).
 */
public record UploadTally(
    long chunksRead, long zeroChunks, long chunksAlreadyStored, long bytesPut) {}
