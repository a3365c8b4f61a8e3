package dev.haven.cloud.store;

import java.io.IOException;
import java.nio.file.Path;

/** How the folder store writes a temporary file before renaming it over an object's file. */
interface NewFileWriter {

  /**
   * Creates {@code file}, which must not exist, holding {@code data}, and forces it to the device
   * before returning. When this throws, {@code file} may exist in part; the caller deletes it.
   */
  void write(Path file, byte[] data) throws IOException;
}
