package dev.haven.dist.config;

import dev.haven.protocol.tls.TlsFiles;
import java.nio.file.Path;

/** The {@code tls} section of a process's config file: CA certificate, certificate and key. */
public record TlsFileConfig(String caCert, String cert, String key) {

  public static TlsFileConfig of(TlsFiles files) {
    return new TlsFileConfig(
        files.caCert().toAbsolutePath().toString(),
        files.cert().toAbsolutePath().toString(),
        files.key().toAbsolutePath().toString());
  }

  public TlsFiles toFiles() {
    if (caCert == null || cert == null || key == null) {
      throw new IllegalArgumentException("tls needs caCert, cert and key");
    }
    return new TlsFiles(Path.of(caCert), Path.of(cert), Path.of(key));
  }
}
