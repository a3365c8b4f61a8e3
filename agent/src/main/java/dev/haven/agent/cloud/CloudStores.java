package dev.haven.agent.cloud;

import dev.haven.agent.PreconditionException;
import dev.haven.cloud.crypto.VaultKeyring;
import dev.haven.cloud.replica.CloudReplica;
import dev.haven.cloud.store.ObjectStore;
import dev.haven.cloud.store.ObjectStores;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This agent's access to cloud sites: object stores opened once per location, and the vault keyring
 * the agent is configured with. The keyring is the file the {@code haven.vault.keyring} system
 * property or the {@code HAVEN_VAULT_KEYRING} environment variable names, else {@code
 * <dataDir>/vault.keyring}. A backend's credentials come from the agent's own environment, never
 * from a request.
 */
public final class CloudStores implements AutoCloseable {
  private final Path dataDir;
  private final Map<String, ObjectStore> stores = new ConcurrentHashMap<>();

  public CloudStores(Path dataDir) {
    this.dataDir = dataDir;
  }

  /** Where this agent's keyring is. */
  public Path keyringFile() {
    String configured =
        System.getProperty("haven.vault.keyring", System.getenv("HAVEN_VAULT_KEYRING"));
    return configured != null && !configured.isBlank()
        ? Path.of(configured)
        : dataDir.resolve("vault.keyring");
  }

  /** The vault keyring; a clear error when this agent has none. */
  public VaultKeyring keyring() throws IOException {
    Path file = keyringFile();
    if (!Files.exists(file)) {
      throw new PreconditionException(
          "this agent has no vault keyring at "
              + file
              + " (set haven.vault.keyring or HAVEN_VAULT_KEYRING): it cannot use a cloud site");
    }
    return VaultKeyring.load(file);
  }

  public ObjectStore store(String location) throws IOException {
    if (location == null || location.isBlank()) {
      throw new IllegalArgumentException("cloud_storage must name the cloud site's object store");
    }
    ObjectStore open = stores.get(location);
    if (open == null) {
      open = ObjectStores.open(location);
      ObjectStore raced = stores.putIfAbsent(location, open);
      if (raced != null) {
        open.close();
        open = raced;
      }
    }
    return open;
  }

  /** The item's replica in the store at {@code location}. */
  public CloudReplica replica(String location, String itemId) throws IOException {
    return CloudReplica.open(store(location), keyring(), itemId);
  }

  @Override
  public void close() throws IOException {
    for (ObjectStore store : stores.values()) {
      store.close();
    }
  }
}
