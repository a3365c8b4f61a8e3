package dev.haven.api.core;

import dev.haven.api.error.ApiException;
import dev.haven.api.json.PlanJson;
import dev.haven.store.Host;
import dev.haven.store.HostDao;
import dev.haven.store.RecoveryPlan;
import dev.haven.workflows.plans.PlanAction;
import dev.haven.workflows.plans.PlanGroup;
import dev.haven.workflows.plans.PlanSpec;
import java.util.List;
import org.jdbi.v3.core.Handle;

/**
 * The snapshot of a plan that a run carries, so that editing the plan never changes a run that
 * started: each script's host is resolved to its agent's address at the start.
 */
final class PlanSnapshots {
  private PlanSnapshots() {}

  /** The run's snapshot of {@code stored}, whose body is {@code plan}. */
  static PlanSpec of(Handle h, RecoveryPlan stored, PlanJson.Plan plan) {
    HostDao hosts = h.attach(HostDao.class);
    List<PlanGroup> groups =
        plan.groups().stream()
            .map(
                g ->
                    new PlanGroup(
                        g.name(),
                        g.vms(),
                        g.pre().stream().map(a -> action(hosts, a)).toList(),
                        g.post().stream().map(a -> action(hosts, a)).toList()))
            .toList();
    return new PlanSpec(stored.id(), stored.name(), groups);
  }

  private static PlanAction action(HostDao hosts, PlanJson.Action a) {
    String address = null;
    if (a.host() != null) {
      Host host =
          hosts
              .find(a.host())
              .orElseThrow(
                  () ->
                      ApiException.conflict(
                          "host " + a.host() + " of action " + a.id() + " no longer exists"));
      address = host.agentAddress();
    }
    return new PlanAction(
        a.id(),
        a.kind(),
        a.host(),
        address,
        a.script(),
        a.args() == null ? List.of() : a.args(),
        a.timeoutSeconds() == null ? 0 : a.timeoutSeconds(),
        a.message(),
        a.onFailure());
  }
}
