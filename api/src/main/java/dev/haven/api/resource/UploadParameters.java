package dev.haven.api.resource;

import dev.haven.api.error.ApiException;
import dev.haven.protocol.CreateVmRequest;
import java.util.ArrayList;
import java.util.List;

/**
 * The query parameters of {@code POST /hosts/{id}/vms/import}, checked with the same bounds as the
 * JSON body of {@code POST /hosts/{id}/vms}: a bad one is a 400 naming it, before any byte of the
 * image is read.
 */
final class UploadParameters {
  private UploadParameters() {}

  static CreateVmRequest spec(String name, Integer cpus, Integer memoryMiB, List<String> networks) {
    if (name == null || name.isBlank()) {
      throw ApiException.badRequest("name", "must not be blank");
    }
    if (name.length() > 200) {
      throw ApiException.badRequest("name", "must be at most 200 characters");
    }
    if (cpus == null || cpus < 1 || cpus > 64) {
      throw ApiException.badRequest("cpus", "must be between 1 and 64");
    }
    if (memoryMiB == null || memoryMiB < 16 || memoryMiB > 1_048_576) {
      throw ApiException.badRequest("memoryMiB", "must be between 16 and 1048576");
    }
    // Networks come as repeated parameters, comma-separated lists, or both.
    List<String> names = new ArrayList<>();
    if (networks != null) {
      for (String value : networks) {
        for (String network : value.split(",", -1)) {
          if (network.isBlank()) {
            throw ApiException.badRequest("networks", "must not name a blank network");
          }
          names.add(network.strip());
        }
      }
    }
    if (names.size() > 16) {
      throw ApiException.badRequest("networks", "must name at most 16 networks");
    }
    return CreateVmRequest.newBuilder()
        .setName(name)
        .setCpus(cpus)
        .setMemoryMib(memoryMiB)
        .addAllNetworks(names)
        .build();
  }
}
