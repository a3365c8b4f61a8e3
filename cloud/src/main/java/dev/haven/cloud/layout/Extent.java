package dev.haven.cloud.layout;

/**
 * Bytes of a disk that a change log sets: {@code length} bytes at {@code offset}, taken from {@code
 * data} (which holds exactly {@code length} bytes), or zeros when {@code data} is null.
 */
public record Extent(long offset, int length, byte[] data) {

  public static Extent zeros(long offset, int length) {
    return new Extent(offset, length, null);
  }

  public static Extent of(long offset, byte[] data) {
    return new Extent(offset, data.length, data);
  }

  public boolean zero() {
    return data == null;
  }
}
