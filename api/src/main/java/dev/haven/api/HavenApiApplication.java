package dev.haven.api;

import com.fasterxml.jackson.databind.DeserializationFeature;
import dev.haven.api.core.AgentGateway;
import dev.haven.api.core.FailoverService;
import dev.haven.api.core.ItemReconciler;
import dev.haven.api.core.LifecycleService;
import dev.haven.api.core.PlanRunReconciler;
import dev.haven.api.core.ProtectionService;
import dev.haven.api.core.RecoveryPlanService;
import dev.haven.api.core.VmDirectory;
import dev.haven.api.core.WorkflowUpdates;
import dev.haven.api.error.ApiExceptionMapper;
import dev.haven.api.error.JsonExceptionMapper;
import dev.haven.api.error.UnexpectedExceptionMapper;
import dev.haven.api.error.ValidationExceptionMapper;
import dev.haven.api.error.WebApplicationExceptionMapper;
import dev.haven.api.resource.HostResource;
import dev.haven.api.resource.JobResource;
import dev.haven.api.resource.PairingResource;
import dev.haven.api.resource.PolicyResource;
import dev.haven.api.resource.ProtectedItemResource;
import dev.haven.api.resource.RecoveryPlanResource;
import dev.haven.api.resource.SiteResource;
import dev.haven.api.resource.VmResource;
import dev.haven.protocol.client.AgentChannels;
import dev.haven.store.HavenStore;
import io.dropwizard.core.Application;
import io.dropwizard.core.server.AbstractServerFactory;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.db.ManagedDataSource;
import io.dropwizard.jdbi3.JdbiFactory;
import io.dropwizard.lifecycle.Managed;
import io.grpc.ChannelCredentials;
import io.temporal.client.WorkflowClient;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.NetworkConnector;
import org.eclipse.jetty.server.Server;
import org.jdbi.v3.core.Jdbi;

/**
 * Haven's HTTP API (D2) under {@code /api/v1}: inventory, policies, pairings, protection, failover
 * and jobs. It migrates the store at start, talks to Temporal for long operations and to host
 * agents (mutual TLS) for inventory, and resumes the workflows of unfinished items in the
 * background ({@link ItemReconciler}).
 *
 * <p>Runs alone ({@code server api.yml}) or inside another JVM: {@code new
 * HavenApiApplication().run("server", path)} returns once Jetty listens, never calls {@code
 * System.exit} (a failed start throws {@link ApiStartupException} instead), and {@link #stop()}
 * stops it again.
 */
public class HavenApiApplication extends Application<HavenApiConfiguration> {
  private final WorkflowClient workflowClient;
  private final ChannelCredentials agentCredentials;
  private volatile Server server;
  private volatile boolean stoppedByCaller;

  /** The application as configured by its YAML file alone. */
  public HavenApiApplication() {
    this(null, null);
  }

  /**
   * An application that uses a Temporal client and agent credentials made by its embedder (tests,
   * or a launcher that already has them) instead of the {@code temporal} and {@code tls} sections.
   * Either may be null to build it from the configuration. The embedder owns the client and closes
   * it.
   */
  public HavenApiApplication(WorkflowClient workflowClient, ChannelCredentials agentCredentials) {
    this.workflowClient = workflowClient;
    this.agentCredentials = agentCredentials;
  }

  public static void main(String[] args) throws Exception {
    try {
      new HavenApiApplication().run(args);
    } catch (ApiStartupException e) {
      System.exit(1);
    }
  }

  @Override
  public String getName() {
    return "haven-api";
  }

  @Override
  public void run(HavenApiConfiguration config, Environment env) {
    // Our mappers answer every error in the API's format; Dropwizard's defaults would answer
    // validation errors with 422 and some errors in another shape.
    if (config.getServerFactory() instanceof AbstractServerFactory server) {
      server.setRegisterDefaultExceptionMappers(false);
    }
    env.getObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    env.jersey().setUrlPattern("/api/v1/*");

    ManagedDataSource dataSource = config.getDatabase().build(env.metrics(), "store");
    HavenStore.migrate(dataSource);
    Jdbi jdbi =
        HavenStore.configure(
            new JdbiFactory().build(env, config.getDatabase(), dataSource, "store"));

    WorkflowClient workflows =
        workflowClient != null ? workflowClient : config.getTemporal().build(env.lifecycle());
    AgentChannels channels = new AgentChannels(credentials(config));
    env.lifecycle().manage(closing(channels));
    ExecutorService workflowCalls =
        env.lifecycle()
            .executorService("haven-workflow-call-%d")
            .minThreads(8)
            .maxThreads(8)
            .build();

    AgentGateway agents = new AgentGateway(channels);
    VmDirectory vms = new VmDirectory(jdbi, agents);
    env.jersey().register(new SiteResource(jdbi));
    env.jersey().register(new HostResource(jdbi, agents, vms));
    env.jersey().register(new VmResource(jdbi, agents, vms));
    WorkflowUpdates updates = new WorkflowUpdates(workflows, workflowCalls);
    LifecycleService lifecycle = new LifecycleService(jdbi, updates);
    env.jersey().register(new PolicyResource(jdbi, lifecycle));
    env.jersey().register(new PairingResource(jdbi));
    env.jersey()
        .register(
            new ProtectedItemResource(
                jdbi,
                new ProtectionService(jdbi, workflows, vms),
                new FailoverService(jdbi, workflows, workflowCalls),
                lifecycle,
                Clock.systemUTC()));
    env.jersey().register(new JobResource(jdbi));
    env.jersey().register(new RecoveryPlanResource(new RecoveryPlanService(jdbi, workflows)));

    env.jersey().register(new ApiExceptionMapper());
    env.jersey().register(new JsonExceptionMapper());
    env.jersey().register(new ValidationExceptionMapper());
    env.jersey().register(new WebApplicationExceptionMapper());
    env.jersey().register(new UnexpectedExceptionMapper());

    env.lifecycle().manage(new ItemReconciler(jdbi, workflows));
    env.lifecycle().manage(new PlanRunReconciler(jdbi, workflows));
    env.lifecycle()
        .addServerLifecycleListener(
            started -> {
              this.server = started;
              // Embedded in a launcher that stops its parts in order, Jetty's own shutdown hook
              // would race that order and stop the server twice.
              started.setStopAtShutdown(!stoppedByCaller);
            });
  }

  private ChannelCredentials credentials(HavenApiConfiguration config) {
    if (agentCredentials != null) {
      return agentCredentials;
    }
    if (config.getTls() == null) {
      throw new IllegalStateException(
          "the configuration needs a tls section (caCert, cert, key) to reach host agents");
    }
    return config.getTls().channelCredentials();
  }

  private static Managed closing(AgentChannels channels) {
    return new Managed() {
      @Override
      public void stop() {
        channels.close();
      }
    };
  }

  /**
   * Leaves stopping to the caller (a launcher that calls {@link #stop()} in its own shutdown order)
   * instead of Jetty's shutdown hook. Call before {@code run}.
   */
  public HavenApiApplication stoppedByCaller() {
    this.stoppedByCaller = true;
    return this;
  }

  /** Stops a running application: Jetty, then every managed object (store, clients). */
  public void stop() throws Exception {
    Server running = server;
    if (running != null) {
      running.stop();
    }
  }

  /** The port of the first application connector once the server runs, e.g. after port 0. */
  public int port() {
    Server running = server;
    if (running == null) {
      throw new IllegalStateException("the API is not running");
    }
    for (Connector connector : running.getConnectors()) {
      if (connector instanceof NetworkConnector network && network.getLocalPort() > 0) {
        return network.getLocalPort();
      }
    }
    throw new IllegalStateException("the API has no open network connector");
  }

  /**
   * Dropwizard calls {@code System.exit(1)} here by default; an embedded API must not end the JVM
   * that hosts it, so a failed start throws instead.
   */
  @Override
  protected void onFatalError(Throwable t) {
    throw new ApiStartupException(t);
  }
}
