package dev.haven.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.core.Configuration;
import io.dropwizard.db.DataSourceFactory;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;

/**
 * The API's YAML configuration: the usual {@code server} and {@code logging} sections, the store
 * ({@code database}), the Temporal frontend ({@code temporal}) and the identity that the API
 * presents to host agents ({@code tls}). See {@code api-example.yml}.
 */
public class HavenApiConfiguration extends Configuration {
  @Valid @NotNull private DataSourceFactory database = new DataSourceFactory();

  @Valid @NotNull private TemporalFactory temporal = new TemporalFactory();

  /** Optional only for an application that gets its agent credentials in code (tests). */
  @Valid private AgentTlsFactory tls;

  @JsonProperty("database")
  public DataSourceFactory getDatabase() {
    return database;
  }

  @JsonProperty("database")
  public void setDatabase(DataSourceFactory database) {
    this.database = database;
  }

  @JsonProperty("temporal")
  public TemporalFactory getTemporal() {
    return temporal;
  }

  @JsonProperty("temporal")
  public void setTemporal(TemporalFactory temporal) {
    this.temporal = temporal;
  }

  @JsonProperty("tls")
  public AgentTlsFactory getTls() {
    return tls;
  }

  @JsonProperty("tls")
  public void setTls(AgentTlsFactory tls) {
    this.tls = tls;
  }
}
