package dev.haven.api;

import dev.haven.store.HavenStore;
import dev.haven.workflows.model.TaskQueues;
import io.dropwizard.core.Application;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.DropwizardTestSupport;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.grpc.InsecureChannelCredentials;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BiConsumer;
import org.jdbi.v3.core.Jdbi;

/**
 * One API under test: a real H2 file database in its own folder, a real in-process Temporal ({@link
 * TestWorkflowEnvironment}) whose worker runs {@link FakeProtectedItemWorkflow}, and the Dropwizard
 * application on random ports, handed the environment's client and insecure agent credentials. Test
 * classes keep {@link #app} in a static field for {@code DropwizardExtensionsSupport}.
 */
final class ApiHarness implements AutoCloseable {
  final String dbUrl;
  final TestWorkflowEnvironment temporal;
  final DropwizardAppExtension<HavenApiConfiguration> app;
  private final Jdbi jdbi;
  private Http http;

  ApiHarness(String name) {
    this(name, (jdbi, temporal) -> {});
  }

  /** A harness whose store and Temporal {@code seed} fills before the application starts. */
  ApiHarness(String name, BiConsumer<Jdbi, TestWorkflowEnvironment> seed) {
    Path dir;
    try {
      // Under target/, so that the build's clean removes the databases of old runs.
      Path root = Files.createDirectories(Path.of("target", "api-tests"));
      dir = Files.createTempDirectory(root, name + "-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    dbUrl = "jdbc:h2:file:" + dir.toAbsolutePath().resolve("haven");
    jdbi = HavenStore.open(dbUrl, "sa", "");
    temporal = TestWorkflowEnvironment.newInstance();
    Worker worker = temporal.newWorker(TaskQueues.HAVEN);
    worker.registerWorkflowImplementationTypes(
        FakeProtectedItemWorkflow.class, WaitingOldSourceFence.class);
    temporal.start();
    seed.accept(jdbi, temporal);
    app =
        new DropwizardAppExtension<>(
            new DropwizardTestSupport<>(
                HavenApiApplication.class,
                ResourceHelpers.resourceFilePath("api-test.yml"),
                ConfigOverride.config("database.url", dbUrl)) {
              @Override
              public Application<HavenApiConfiguration> newApplication() {
                return new HavenApiApplication(
                    temporal.getWorkflowClient(), InsecureChannelCredentials.create());
              }
            });
  }

  /** The store the application uses, opened a second time for the test's own reads and writes. */
  Jdbi jdbi() {
    return jdbi;
  }

  Http http() {
    if (http == null) {
      http = new Http("http://127.0.0.1:" + app.getLocalPort() + "/api/v1");
    }
    return http;
  }

  @Override
  public void close() {
    temporal.close();
  }
}
