package dev.haven.api.core;

import dev.haven.api.error.ApiException;
import dev.haven.api.json.PlanJson;
import dev.haven.store.HostDao;
import dev.haven.store.VmDirectoryDao;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Handle;

/**
 * Checks a submitted recovery plan (R18) and answers it with defaults filled in, or throws a 400
 * naming the first field at fault ({@code groups[1].vms[0]}, {@code groups[0].pre[2].host}, …). VMs
 * and hosts must be known to the store; a VM belongs to one group only; a group is never empty; a
 * script is a plain file name, since the plan names a script and never carries one.
 */
public final class PlanValidator {
  static final Pattern ACTION_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  static final int DEFAULT_TIMEOUT_SECONDS = 300;
  static final int MAX_TIMEOUT_SECONDS = 3600;
  static final int MAX_ARGS = 32;
  static final int MAX_ARG_CHARS = 1024;
  static final int MAX_NAME_CHARS = 200;

  private PlanValidator() {}

  /** The plan as it will be stored, or a 400 for the first field at fault. */
  public static PlanJson.Plan validate(Handle h, PlanJson.Plan plan) {
    if (plan == null) {
      throw ApiException.badRequest(null, "the request needs a plan as its JSON body");
    }
    String name = text(plan.name());
    if (name == null || name.length() > MAX_NAME_CHARS) {
      throw ApiException.badRequest(
          "name", "name is required, at most " + MAX_NAME_CHARS + " characters");
    }
    if (plan.groups() == null || plan.groups().isEmpty()) {
      throw ApiException.badRequest("groups", "groups must hold at least one group");
    }
    VmDirectoryDao vms = h.attach(VmDirectoryDao.class);
    HostDao hosts = h.attach(HostDao.class);
    Map<String, String> vmGroup = new HashMap<>();
    Set<String> actionIds = new HashSet<>();
    List<PlanJson.Group> groups = new ArrayList<>();
    for (int g = 0; g < plan.groups().size(); g++) {
      PlanJson.Group group = plan.groups().get(g);
      String at = "groups[" + g + "]";
      if (group == null) {
        throw ApiException.badRequest(at, at + " is null");
      }
      String groupName = text(group.name()) == null ? "group-" + (g + 1) : text(group.name());
      if (!ACTION_ID.matcher(groupName).matches()) {
        throw ApiException.badRequest(
            at + ".name",
            at + ".name '" + groupName + "' must be letters, digits, '.', '_' or '-' (≤ 64)");
      }
      if (group.vms() == null || group.vms().isEmpty()) {
        throw ApiException.badRequest(at + ".vms", "group '" + groupName + "' has no VM");
      }
      for (int v = 0; v < group.vms().size(); v++) {
        String vm = group.vms().get(v);
        String field = at + ".vms[" + v + "]";
        if (vm == null || vms.find(vm).isEmpty()) {
          throw ApiException.badRequest(field, field + ": unknown VM '" + vm + "'");
        }
        String earlier = vmGroup.putIfAbsent(vm, field);
        if (earlier != null) {
          throw ApiException.badRequest(
              field, field + ": VM '" + vm + "' is already in the plan as " + earlier);
        }
      }
      List<PlanJson.Action> pre = actions(hosts, group.pre(), at + ".pre", actionIds);
      List<PlanJson.Action> post = actions(hosts, group.post(), at + ".post", actionIds);
      groups.add(new PlanJson.Group(groupName, List.copyOf(group.vms()), pre, post));
    }
    return new PlanJson.Plan(name, groups);
  }

  private static List<PlanJson.Action> actions(
      HostDao hosts, List<PlanJson.Action> actions, String at, Set<String> ids) {
    List<PlanJson.Action> out = new ArrayList<>();
    if (actions == null) {
      return out;
    }
    for (int a = 0; a < actions.size(); a++) {
      out.add(action(hosts, actions.get(a), at + "[" + a + "]", ids));
    }
    return out;
  }

  private static PlanJson.Action action(
      HostDao hosts, PlanJson.Action action, String at, Set<String> ids) {
    if (action == null) {
      throw ApiException.badRequest(at, at + " is null");
    }
    String id = text(action.id());
    if (id == null || !ACTION_ID.matcher(id).matches()) {
      throw ApiException.badRequest(
          at + ".id",
          at + ".id must be 1 to 64 letters, digits, '.', '_' or '-', unique in the plan");
    }
    if (!ids.add(id)) {
      throw ApiException.badRequest(at + ".id", at + ".id '" + id + "' is used twice in the plan");
    }
    String policy = action.onFailure() == null ? "abort" : action.onFailure();
    if (!policy.equals("abort") && !policy.equals("warn")) {
      throw ApiException.badRequest(
          at + ".onFailure", at + ".onFailure must be abort or warn, not '" + policy + "'");
    }
    String kind = action.kind();
    if ("manual".equals(kind)) {
      if (action.host() != null || action.script() != null || action.args() != null) {
        throw ApiException.badRequest(
            at + ".kind", at + ": a manual step takes no host, script or args");
      }
      return new PlanJson.Action(id, kind, null, null, null, null, action.message(), policy);
    }
    if (!"script".equals(kind)) {
      throw ApiException.badRequest(
          at + ".kind", at + ".kind must be script or manual, not '" + kind + "'");
    }
    if (action.host() == null || hosts.find(action.host()).isEmpty()) {
      throw ApiException.badRequest(
          at + ".host", at + ".host: unknown host '" + action.host() + "'");
    }
    String script = action.script();
    if (!plainName(script)) {
      throw ApiException.badRequest(
          at + ".script",
          at
              + ".script must name a file of the host's scripts folder, without a path separator;"
              + " '"
              + script
              + "' is not one");
    }
    int timeout =
        action.timeoutSeconds() == null ? DEFAULT_TIMEOUT_SECONDS : action.timeoutSeconds();
    if (timeout < 1 || timeout > MAX_TIMEOUT_SECONDS) {
      throw ApiException.badRequest(
          at + ".timeoutSeconds",
          at + ".timeoutSeconds must be from 1 to " + MAX_TIMEOUT_SECONDS + ", not " + timeout);
    }
    List<String> args = action.args() == null ? List.of() : action.args();
    if (args.size() > MAX_ARGS
        || args.stream().anyMatch(s -> s == null || s.length() > MAX_ARG_CHARS)) {
      throw ApiException.badRequest(
          at + ".args",
          at
              + ".args: at most "
              + MAX_ARGS
              + " strings of at most "
              + MAX_ARG_CHARS
              + " characters");
    }
    return new PlanJson.Action(
        id, kind, action.host(), script, List.copyOf(args), timeout, action.message(), policy);
  }

  /** The same rule the agent applies: one file name, no separator, no dot names. */
  static boolean plainName(String name) {
    return name != null
        && !name.isBlank()
        && !name.equals(".")
        && !name.equals("..")
        && name.indexOf('/') < 0
        && name.indexOf('\\') < 0
        && name.indexOf('\0') < 0;
  }

  private static String text(String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }
}
