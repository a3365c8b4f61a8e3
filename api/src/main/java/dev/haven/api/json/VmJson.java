package dev.haven.api.json;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.haven.protocol.Vm;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.List;

/** The JSON of virtual machines (R5), which the hosts' agents own. */
public final class VmJson {
  private VmJson() {}

  /**
   * {@code POST /hosts/{id}/vms}: a VM with empty disks of the given sizes, or, with {@code image}
   * (a raw or qcow2 image's path on the host) and no {@code disks}, an imported VM whose one disk
   * holds the image's content.
   */
  public record Create(
      @NotBlank @Size(max = 200) String name,
      @NotNull @Min(1) @Max(64) Integer cpus,
      @NotNull @Min(16) @Max(1_048_576) Integer memoryMiB,
      @Size(max = 16) @Valid List<@NotNull DiskSpec> disks,
      @Size(max = 16) List<@NotBlank String> networks,
      @Size(min = 1, max = 4096) String image) {

    /** Without an image, as before. */
    public Create(
        String name, Integer cpus, Integer memoryMiB, List<DiskSpec> disks, List<String> networks) {
      this(name, cpus, memoryMiB, disks, networks, null);
    }
  }

  /** One disk to create. */
  public record DiskSpec(@NotNull @Min(1) Long sizeBytes) {}

  /** {@code POST /vms/{id}/power}. */
  public record Power(
      @NotNull @Pattern(regexp = "on|off", message = "must be on or off") String state) {}

  /** A VM as its agent describes it; {@code replicaOfItem} is set on replica VMs. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record View(
      String id,
      String hostId,
      String name,
      String powerState,
      int cpus,
      int memoryMiB,
      List<Disk> disks,
      List<String> networks,
      String replicaOfItem) {
    public static View of(String hostId, Vm vm) {
      List<Disk> disks =
          vm.getDisksList().stream()
              .map(
                  d ->
                      new Disk(
                          d.getId(),
                          d.getSizeBytes(),
                          d.getNbdUri().isEmpty() ? null : d.getNbdUri()))
              .toList();
      return new View(
          vm.getId(),
          hostId,
          vm.getName(),
          vm.getPowerState(),
          vm.getCpus(),
          vm.getMemoryMib(),
          disks,
          List.copyOf(vm.getNetworksList()),
          vm.getReplicaOfItem().isEmpty() ? null : vm.getReplicaOfItem());
    }
  }

  /** A disk; {@code nbd} ({@code nbd://host:port/export}) is present while the VM runs. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Disk(String id, long sizeBytes, String nbd) {}
}
