package dev.haven.api.error;

import java.util.Collection;
import java.util.Map;

/** Says in words what JSON a Java type expects, for messages about mismatched input. */
final class Expectations {
  private Expectations() {}

  static String describe(Class<?> type) {
    if (type == null) {
      return "valid JSON of the expected shape";
    }
    if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
      return "an integer";
    }
    if (Number.class.isAssignableFrom(type) || type == double.class || type == float.class) {
      return "a number";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "true or false";
    }
    if (type == String.class || type.isEnum()) {
      return "a string";
    }
    if (Collection.class.isAssignableFrom(type) || type.isArray()) {
      return "an array";
    }
    if (Map.class.isAssignableFrom(type) || type.isRecord()) {
      return "a JSON object";
    }
    return "valid JSON of the expected shape";
  }
}
