package dev.haven.agent.nbd;

import dev.haven.agent.disk.BlockDevice;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;

/** A test resolver over a mutable map of export names to devices. */
final class MapExportResolver implements ExportResolver {
  private final Map<String, BlockDevice> exports = new ConcurrentSkipListMap<>();

  void put(String name, BlockDevice device) {
    exports.put(name, device);
  }

  void remove(String name) {
    exports.remove(name);
  }

  @Override
  public Optional<BlockDevice> resolve(String exportName) {
    return Optional.ofNullable(exports.get(exportName));
  }

  @Override
  public List<String> exportNames() {
    return List.copyOf(exports.keySet());
  }
}
