package dev.haven.agent.cloud;

import dev.haven.cloud.crypto.VaultKeyring;
import dev.haven.cloud.replica.CloudReplica;
import dev.haven.cloud.store.ObjectStore;
import dev.haven.cloud.store.ObjectStores;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This agent's access to cloud sites: object stores opened once per location, and the vault keyring
 * the agent is configured with ({@code AgentConfig.keyringFile()}), read again only when the file
 * changes. A backend's credentials come from the agent's own environment, never from a request.
 */
public final class CloudStores implements AutoCloseable {
  private final KeyringFile keyring;
  private final Map<String, ObjectStore> stores = new ConcurrentHashMap<>();

  public CloudStores(Path keyringFile) {
    this.keyring = new KeyringFile(keyringFile);
  }

  /** Where this agent's keyring is. */
  public Path keyringFile() {
    return keyring.path();
  }

  /** The vault keyring as its file now holds it; a clear error when this agent has none. */
  public VaultKeyring keyring() throws IOException {
    return keyring.keyring();
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
