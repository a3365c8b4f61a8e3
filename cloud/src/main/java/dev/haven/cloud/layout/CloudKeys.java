package dev.haven.cloud.layout;

import dev.haven.cloud.store.ObjectKeys;

/**
 * Where a protected item's objects live in a cloud site's store. Everything of one item is under
 * {@code items/<itemId>/}: its wrapped data key ({@code data-key}), base chunks named by a keyed
 * hash of their contents ({@code disks/<diskId>/chunks/<name>}), change logs ({@code
 * disks/<diskId>/logs/<seq>.<part>}) and one manifest per recovery point ({@code points/<seq>}).
 * Sequences are zero-padded to 20 digits so that a listing is in sequence order.
 */
public final class CloudKeys {
  private CloudKeys() {}

  public static String item(String itemId) {
    return ObjectKeys.check("items/" + itemId) + "/";
  }

  public static String dataKey(String itemId) {
    return item(itemId) + "data-key";
  }

  public static String chunks(String itemId, String diskId) {
    return ObjectKeys.check(item(itemId) + "disks/" + diskId + "/chunks") + "/";
  }

  public static String chunk(String itemId, String diskId, String name) {
    return ObjectKeys.check(chunks(itemId, diskId) + name);
  }

  public static String logPart(String itemId, String diskId, long seq, int part) {
    return ObjectKeys.check(
        item(itemId) + "disks/" + diskId + "/logs/" + String.format("%020d.%d", seq, part));
  }

  public static String points(String itemId) {
    return item(itemId) + "points/";
  }

  public static String point(String itemId, long seq) {
    return ObjectKeys.check(points(itemId) + String.format("%020d", seq));
  }

  /** The sequence of a point's manifest key. */
  public static long pointSeq(String key) {
    return Long.parseLong(key.substring(key.lastIndexOf('/') + 1));
  }
}
