package dev.haven.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.haven.protocol.tls.TlsFiles;
import io.grpc.ChannelCredentials;
import jakarta.validation.constraints.NotEmpty;
import java.nio.file.Path;

/**
 * The {@code tls} section: the PEM files of the identity that the API presents to host agents
 * (mutual TLS, R4): the CA certificate it trusts, its own certificate and its PKCS#8 key.
 */
public class AgentTlsFactory {
  @NotEmpty private String caCert;
  @NotEmpty private String cert;
  @NotEmpty private String key;

  @JsonProperty
  public String getCaCert() {
    return caCert;
  }

  @JsonProperty
  public void setCaCert(String caCert) {
    this.caCert = caCert;
  }

  @JsonProperty
  public String getCert() {
    return cert;
  }

  @JsonProperty
  public void setCert(String cert) {
    this.cert = cert;
  }

  @JsonProperty
  public String getKey() {
    return key;
  }

  @JsonProperty
  public void setKey(String key) {
    this.key = key;
  }

  /** Channel credentials that present this identity and trust only the CA. */
  public ChannelCredentials channelCredentials() {
    return new TlsFiles(Path.of(caCert), Path.of(cert), Path.of(key)).channelCredentials();
  }
}
