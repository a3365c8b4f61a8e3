package dev.haven.activities.plans;

import dev.haven.store.Pairing;
import dev.haven.store.PairingDao;
import dev.haven.store.ProtectedItem;
import dev.haven.store.ProtectedItemDao;
import dev.haven.workflows.plans.PlanActivities.MemberTarget;
import dev.haven.workflows.plans.PlanActivities.MembersResolved;
import dev.haven.workflows.plans.PlanActivities.ResolveInput;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * A plan's VMs resolved to the protected items a run acts on (R18): the newest live item of each
 * VM, or the reason it is skipped (not protected, active at the wrong site, no test failover to
 * clean up).
 */
final class PlanMembers {
  private final Jdbi jdbi;

  PlanMembers(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  MembersResolved resolveMembers(ResolveInput in) {
    return jdbi.withHandle(
        h -> {
          List<ProtectedItem> items = h.attach(ProtectedItemDao.class).list();
          PairingDao pairings = h.attach(PairingDao.class);
          List<MemberTarget> out = new ArrayList<>();
          for (String vm : in.vmIds()) {
            Optional<ProtectedItem> item =
                items.stream()
                    .filter(i -> vm.equals(i.vmId()) || vm.equals(i.replicaVmId()))
                    .filter(i -> !i.state().equals("disabled"))
                    .max(Comparator.comparingLong(ProtectedItem::createdAt));
            if (item.isEmpty()) {
              out.add(new MemberTarget(vm, null, "the VM is not protected"));
              continue;
            }
            ProtectedItem found = item.get();
            Pairing pairing = pairings.find(found.pairingId()).orElseThrow();
            String active =
                found.activeSiteId() != null ? found.activeSiteId() : pairing.sourceSiteId();
            String expected =
                PlanActivitiesImpl.SECONDARY_TO_PRIMARY.equals(in.direction())
                    ? pairing.targetSiteId()
                    : pairing.sourceSiteId();
            if (!active.equals(expected)) {
              out.add(
                  new MemberTarget(
                      vm,
                      null,
                      "item "
                          + found.id()
                          + " is active at site "
                          + active
                          + ", not at the site that "
                          + in.direction()
                          + " fails over from"));
            } else {
              out.add(new MemberTarget(vm, found.id(), null));
            }
          }
          return new MembersResolved(out);
        });
  }

  MembersResolved resolveTestFailovers(ResolveInput in) {
    MembersResolved members = resolveMembers(in);
    return jdbi.withHandle(
        h -> {
          ProtectedItemDao items = h.attach(ProtectedItemDao.class);
          List<MemberTarget> out = new ArrayList<>();
          for (MemberTarget member : members.members()) {
            if (member.itemId() == null) {
              out.add(member);
              continue;
            }
            String state = items.find(member.itemId()).map(ProtectedItem::state).orElse("gone");
            out.add(
                state.equals(PlanActivitiesImpl.TEST_FAILOVER)
                    ? member
                    : new MemberTarget(
                        member.vmId(),
                        null,
                        "item "
                            + member.itemId()
                            + " runs no test failover (it is "
                            + state
                            + "); nothing to clean up"));
          }
          return new MembersResolved(out);
        });
  }
}
