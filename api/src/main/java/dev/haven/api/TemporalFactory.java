package dev.haven.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.lifecycle.Managed;
import io.dropwizard.lifecycle.setup.LifecycleEnvironment;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import jakarta.validation.constraints.NotEmpty;
import java.util.concurrent.TimeUnit;

/**
 * The {@code temporal} section: where the Temporal frontend listens ({@code target}, host:port) and
 * the {@code namespace} to use.
 */
public class TemporalFactory {
  @NotEmpty private String target = "127.0.0.1:7233";

  @NotEmpty private String namespace = "default";

  @JsonProperty
  public String getTarget() {
    return target;
  }

  @JsonProperty
  public void setTarget(String target) {
    this.target = target;
  }

  @JsonProperty
  public String getNamespace() {
    return namespace;
  }

  @JsonProperty
  public void setNamespace(String namespace) {
    this.namespace = namespace;
  }

  /**
   * A client whose connection closes with the application. The stubs connect lazily, so that the
   * API starts (and answers inventory calls) before the Temporal server is up.
   */
  public WorkflowClient build(LifecycleEnvironment lifecycle) {
    WorkflowServiceStubs service =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(target).build());
    lifecycle.manage(
        new Managed() {
          @Override
          public void stop() throws Exception {
            service.shutdown();
            service.awaitTermination(5, TimeUnit.SECONDS);
          }
        });
    return WorkflowClient.newInstance(
        service, WorkflowClientOptions.newBuilder().setNamespace(namespace).build());
  }
}
