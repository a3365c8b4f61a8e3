package dev.haven.worker;

import dev.haven.activities.agent.AgentActivitiesImpl;
import dev.haven.activities.agent.AgentScripts;
import dev.haven.activities.plans.PlanActivitiesImpl;
import dev.haven.activities.store.StoreActivitiesImpl;
import dev.haven.protocol.client.AgentChannels;
import dev.haven.store.HavenStore;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.WorkerFactory;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code worker} process: connects to Temporal, the store and (through mutual TLS) the agents,
 * runs the Haven worker and stops cleanly on SIGTERM, letting running activities finish.
 */
public final class WorkerMain {
  private static final Logger log = LoggerFactory.getLogger(WorkerMain.class);

  /** How long a stopping worker waits for running tasks before it gives up on them. */
  private static final long DRAIN_SECONDS = 30;

  private WorkerMain() {}

  public static void main(String[] args) throws InterruptedException {
    if (args.length != 1) {
      System.err.println("usage: worker CONFIG.yml");
      System.exit(2);
    }
    run(Path.of(args[0]));
  }

  /** Starts the worker from {@code configFile} and blocks until the JVM is asked to stop. */
  public static void run(Path configFile) throws InterruptedException {
    WorkerConfig config = WorkerConfig.load(configFile);
    WorkflowServiceStubs service =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(config.temporal().target()).build());
    WorkflowClient client =
        WorkflowClient.newInstance(
            service,
            WorkflowClientOptions.newBuilder().setNamespace(config.temporal().namespace()).build());
    AgentChannels channels = new AgentChannels(config.tlsFiles().channelCredentials());
    Jdbi jdbi =
        HavenStore.open(
            config.database().url(), config.database().user(), config.database().password());
    WorkerFactory factory =
        HavenWorker.start(
            client,
            new AgentActivitiesImpl(channels),
            new StoreActivitiesImpl(jdbi),
            new PlanActivitiesImpl(jdbi, client, new AgentScripts(channels)));
    log.info(
        "Haven worker polls {} in namespace {}",
        config.temporal().target(),
        config.temporal().namespace());

    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  stop(factory, channels, service);
                  stopped.countDown();
                },
                "haven-worker-shutdown"));
    stopped.await();
  }

  private static void stop(
      WorkerFactory factory, AgentChannels channels, WorkflowServiceStubs service) {
    log.info("Haven worker stopping");
    factory.shutdown();
    factory.awaitTermination(DRAIN_SECONDS, TimeUnit.SECONDS);
    channels.close();
    service.shutdown();
    service.awaitTermination(5, TimeUnit.SECONDS);
  }
}
