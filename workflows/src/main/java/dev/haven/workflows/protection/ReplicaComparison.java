package dev.haven.workflows.protection;

import dev.haven.workflows.activities.AgentActivities.DiskHashes;
import java.util.List;

/** Compares the disk hashes of a source VM and its replica, disk by disk. */
final class ReplicaComparison {
  private ReplicaComparison() {}

  /** Null when every disk is equal; otherwise a sentence that names the disk and both hashes. */
  static String mismatch(DiskHashes source, DiskHashes replica) {
    List<String> src = source.sha256();
    List<String> rep = replica.sha256();
    if (src.size() != rep.size()) {
      return "the source VM has "
          + src.size()
          + " disk(s) but the replica has "
          + rep.size()
          + "; the replica does not match the source";
    }
    for (int i = 0; i < src.size(); i++) {
      if (!src.get(i).equalsIgnoreCase(rep.get(i))) {
        return "disk "
            + (i + 1)
            + " of "
            + src.size()
            + " differs: source disk "
            + diskName(source, i)
            + " has sha256 "
            + src.get(i)
            + ", replica disk "
            + diskName(replica, i)
            + " has sha256 "
            + rep.get(i)
            + "; the replica does not match the source";
      }
    }
    return null;
  }

  private static String diskName(DiskHashes hashes, int index) {
    List<String> ids = hashes.diskIds();
    return ids != null && index < ids.size() ? ids.get(index) : "#" + (index + 1);
  }
}
