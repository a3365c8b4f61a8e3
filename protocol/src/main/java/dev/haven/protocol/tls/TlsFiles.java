package dev.haven.protocol.tls;

import io.grpc.ChannelCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * The PEM files of one process's identity: the CA certificate it trusts, its own certificate and
 * its private key (PKCS#8). Both ends of every Haven gRPC connection present a certificate and
 * accept only peers whose certificate that CA signed (R4).
 */
public record TlsFiles(Path caCert, Path cert, Path key) {

  /** The files that {@link CertificateAuthority#issue} writes for {@code name} in {@code dir}. */
  public static TlsFiles in(Path dir, String name) {
    return new TlsFiles(
        dir.resolve(CertificateAuthority.CA_CERT_FILE),
        dir.resolve(name + ".pem"),
        dir.resolve(name + ".key"));
  }

  /** Server credentials that require a client certificate signed by the CA. */
  public ServerCredentials serverCredentials() {
    try {
      return TlsServerCredentials.newBuilder()
          .keyManager(cert.toFile(), key.toFile())
          .trustManager(caCert.toFile())
          .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE)
          .build();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read TLS files " + this, e);
    }
  }

  /** Channel credentials that present this identity and trust only the CA. */
  public ChannelCredentials channelCredentials() {
    try {
      return TlsChannelCredentials.newBuilder()
          .keyManager(cert.toFile(), key.toFile())
          .trustManager(caCert.toFile())
          .build();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read TLS files " + this, e);
    }
  }
}
