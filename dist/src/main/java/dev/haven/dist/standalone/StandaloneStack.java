package dev.haven.dist.standalone;

import dev.haven.activities.agent.AgentActivitiesImpl;
import dev.haven.activities.agent.AgentScripts;
import dev.haven.activities.plans.PlanActivitiesImpl;
import dev.haven.activities.store.StoreActivitiesImpl;
import dev.haven.agent.AgentConfig;
import dev.haven.agent.AgentServer;
import dev.haven.dist.config.AgentFileConfig;
import dev.haven.dist.config.ConfigFiles;
import dev.haven.dist.config.TlsFileConfig;
import dev.haven.dist.temporal.TemporalEndpoint;
import dev.haven.dist.temporal.TemporalLauncher;
import dev.haven.protocol.client.AgentChannels;
import dev.haven.protocol.tls.CertificateAuthority;
import dev.haven.protocol.tls.TlsFiles;
import dev.haven.store.HavenStore;
import dev.haven.worker.HavenWorker;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.WorkerFactory;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;

/**
 * The embedded default in one JVM: Temporal, agents for the primary and secondary sites, the worker
 * and the API, all under one data folder. Everything it starts is closed in reverse order, so that
 * the API stops taking requests first and the agents flush their disks last but one.
 */
public final class StandaloneStack implements AutoCloseable {
  /** The sites that exist from the first start, in port order. */
  public static final List<String> SITES = List.of("primary", "secondary");

  /**
   * Issue 8: the cloud site, after the on-premises ones in port order (7403, NBD 10811). Its object
   * store is the folder {@code <data>/cloud-storage}; its host agent is used only at failover.
   */
  public static final String CLOUD_SITE = "cloud";

  private final Deque<AutoCloseable> started = new ArrayDeque<>();
  private final Map<String, AgentServer> agents = new HashMap<>();
  private final PrintStream out;

  private StandaloneStack(PrintStream out) {
    this.out = out;
  }

  /** Starts every part and prints where each listens, then one line when all are ready. */
  public static StandaloneStack start(StandaloneOptions options, PrintStream out) throws Exception {
    StandaloneStack stack = new StandaloneStack(out);
    try {
      stack.startAll(options);
      return stack;
    } catch (Exception | Error e) {
      stack.close();
      throw e;
    }
  }

  private void startAll(StandaloneOptions options) throws Exception {
    long begin = System.nanoTime();
    StandaloneLayout layout = new StandaloneLayout(options.dataDir().toAbsolutePath().normalize());
    String bind = options.bindHost();
    StandalonePorts ports = options.ports();
    CertificateAuthority ca = CertificateAuthority.loadOrCreate(layout.caDir());

    TemporalEndpoint temporal =
        new TemporalLauncher(layout.root(), bind, ports.temporal(), ports.temporalUi(), out)
            .start(options.temporalMode());
    started.push(temporal);
    out.printf(
        "Temporal   %s (%s)%s%n",
        temporal.target(),
        temporal.kind(),
        temporal.uiUrl().map(u -> ", web UI " + u).orElse(", no web UI"));

    // Issue 8: the vault keyring every agent seals cloud objects with, made on first start. Each
    // agent's config names it, so `haven keys rotate --keyring <data>/vault.keyring` reaches them.
    Path keyring = layout.root().resolve("vault.keyring");
    dev.haven.cloud.crypto.VaultKeyring.loadOrCreate(keyring);
    for (int i = 0; i < SITES.size(); i++) {
      String site = SITES.get(i);
      AgentServer agent =
          startAgent(
              layout,
              ca,
              site,
              bind,
              ports.agentGrpc(i),
              ports.nbd(i),
              options.hypervisor(),
              keyring);
      started.push(agent);
      agents.put(site, agent);
      out.printf(
          "Agent      %-9s gRPC %s (mutual TLS), NBD %s, data %s%n",
          site, agent.grpcAddress(), agent.nbdAddress(), layout.agentDir(site));
    }

    int cloudIndex = SITES.size();
    AgentServer cloudAgent;
    try {
      cloudAgent =
          startAgent(
              layout,
              ca,
              CLOUD_SITE,
              bind,
              ports.agentGrpc(cloudIndex),
              ports.nbd(cloudIndex),
              options.hypervisor(),
              keyring);
    } catch (java.io.IOException e) {
      // Custom port bases (tests, benchmarks) may leave the cloud host's fixed ports taken. No
      // source agent records the cloud host's address (sources write to the object store), and
      // the seeder updates the host's address at every start, so free ports are safe here.
      out.printf("Agent      %s: its fixed ports are taken (%s); using free ones%n", CLOUD_SITE, e);
      cloudAgent = startAgent(layout, ca, CLOUD_SITE, bind, 0, 0, options.hypervisor(), keyring);
    }
    started.push(cloudAgent);
    agents.put(CLOUD_SITE, cloudAgent);
    Path cloudStorage =
        java.nio.file.Files.createDirectories(layout.root().resolve("cloud-storage"));
    out.printf(
        "Agent      %-9s gRPC %s (mutual TLS), NBD %s, object store %s%n",
        CLOUD_SITE, cloudAgent.grpcAddress(), cloudAgent.nbdAddress(), cloudStorage);

    Jdbi jdbi = HavenStore.open(layout.jdbcUrl(), "sa", "");
    StandaloneSeeder.seed(jdbi, SITES, site -> bind + ":" + ports.agentGrpc(SITES.indexOf(site)));
    String cloudGrpc = cloudAgent.grpcAddress();
    String cloudAddress = bind + cloudGrpc.substring(cloudGrpc.lastIndexOf(':'));
    StandaloneSeeder.seedCloud(jdbi, CLOUD_SITE, cloudAddress, cloudStorage.toUri().toString());

    TlsFiles workerTls =
        ca.issue(layout.tlsDir(layout.workerDir()), "worker", List.of(bindHostName(bind)));
    // The same file runs the worker alone: haven worker --config <data>/worker/worker.yml
    ConfigFiles.write(
        layout.workerDir().resolve("worker.yml"),
        Map.of(
            "temporal", Map.of("target", temporal.target(), "namespace", temporal.namespace()),
            "database", Map.of("url", layout.jdbcUrl(), "user", "sa", "password", ""),
            "tls", TlsFileConfig.of(workerTls)));
    AgentChannels channels = new AgentChannels(workerTls.channelCredentials());
    started.push(channels);
    WorkflowServiceStubs stubs =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(temporal.target()).build());
    started.push(stubs::shutdown);
    WorkflowClient client =
        WorkflowClient.newInstance(
            stubs, WorkflowClientOptions.newBuilder().setNamespace(temporal.namespace()).build());
    WorkerFactory factory =
        HavenWorker.start(
            client,
            new AgentActivitiesImpl(channels),
            new StoreActivitiesImpl(jdbi),
            new PlanActivitiesImpl(jdbi, client, new AgentScripts(channels)));
    started.push(
        () -> {
          factory.shutdown();
          factory.awaitTermination(10, TimeUnit.SECONDS);
        });
    out.printf("Worker     polling task queue 'haven' on %s%n", temporal.target());

    TlsFiles apiTls = ca.issue(layout.tlsDir(layout.apiDir()), "api", List.of(bindHostName(bind)));
    EmbeddedApi api =
        EmbeddedApi.start(
            layout.apiDir().resolve("api.yml"),
            new EmbeddedApi.Settings(
                bind,
                ports.api(),
                layout.jdbcUrl(),
                temporal.target(),
                temporal.namespace(),
                TlsFileConfig.of(apiTls),
                layout.apiDir().resolve("api.log")));
    started.push(api);
    out.printf(
        "API        http://%s:%d/api/v1 (H2 database %s)%n",
        bind, ports.api(), layout.databaseFile() + ".mv.db");
    out.printf(
        "Haven is ready in %.1f s: standalone, data in %s%n",
        (System.nanoTime() - begin) / 1e9, layout.root());
  }

  private static AgentServer startAgent(
      StandaloneLayout layout,
      CertificateAuthority ca,
      String site,
      String bind,
      int grpcPort,
      int nbdPort,
      String hypervisor,
      Path keyring)
      throws Exception {
    Path dir = layout.agentDir(site);
    String hostName = site + "-host";
    TlsFiles tls = ca.issue(layout.tlsDir(dir), "agent", List.of(hostName, bindHostName(bind)));
    AgentFileConfig file =
        new AgentFileConfig(
            hostName,
            site,
            dir.toString(),
            bind + ":" + grpcPort,
            bind + ":" + nbdPort,
            TlsFileConfig.of(tls),
            hypervisor,
            keyring.toString());
    // The same file runs this agent alone: haven agent --config <dir>/agent.yml
    ConfigFiles.write(dir.resolve("agent.yml"), file);
    AgentConfig config = file.toAgentConfig();
    return AgentServer.start(config);
  }

  private static String bindHostName(String bind) {
    return bind.equals("0.0.0.0") ? CertificateAuthority.localHostName() : bind;
  }

  /**
   * Stops the agent of {@code site} as a host that goes down (its gRPC and NBD servers close) while
   * the rest of the stack runs on: tests fail over with the source gone this way.
   */
  public void stopAgent(String site) {
    AgentServer agent = agents.remove(site);
    if (agent != null) {
      started.remove(agent);
      agent.close();
    }
  }

  @Override
  public void close() {
    while (!started.isEmpty()) {
      AutoCloseable part = started.pop();
      try {
        part.close();
      } catch (Exception e) {
        out.println("error while stopping " + part + ": " + e);
      }
    }
    out.println("Haven stopped.");
  }
}
