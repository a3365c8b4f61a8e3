package dev.haven.dist.standalone;

import java.nio.file.Path;

/**
 * Where a standalone stack keeps its data under {@code --data DIR}: the CA, the Temporal dev
 * server's SQLite file, the H2 database, the API's and worker's configs and certificates, and one
 * folder per agent (its VMs, disks, change logs, replication state and certificates).
 */
public record StandaloneLayout(Path root) {

  public Path caDir() {
    return root.resolve("ca");
  }

  public Path databaseFile() {
    return root.resolve("db").resolve("haven");
  }

  /** The H2 URL of the store; AUTO_SERVER lets a second process (the CLI, a worker) share it. */
  public String jdbcUrl() {
    return "jdbc:h2:file:" + databaseFile().toAbsolutePath() + ";AUTO_SERVER=TRUE";
  }

  public Path apiDir() {
    return root.resolve("api");
  }

  public Path workerDir() {
    return root.resolve("worker");
  }

  public Path agentDir(String site) {
    return root.resolve("agents").resolve(site);
  }

  public Path tlsDir(Path processDir) {
    return processDir.resolve("tls");
  }
}
