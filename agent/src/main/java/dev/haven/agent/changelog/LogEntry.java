package dev.haven.agent.changelog;

/**
 * One record of a change log: {@code length} bytes at {@code offset} that a guest wrote, with their
 * CRC32C. A zero record (trim or write-zeroes) carries no data and means "these bytes read as
 * zeros".
 */
public record LogEntry(long offset, int length, int crc32c, byte[] data, boolean zero) {}
