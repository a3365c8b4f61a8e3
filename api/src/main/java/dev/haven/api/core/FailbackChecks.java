package dev.haven.api.core;

import dev.haven.api.error.ApiException;
import dev.haven.store.Host;
import dev.haven.store.HostDao;
import dev.haven.store.ProtectedItem;
import dev.haven.store.Site;
import dev.haven.store.SiteDao;
import dev.haven.workflows.model.HostRef;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * R21 as the API sees it: an item whose failover to a cloud site was committed runs in the cloud,
 * and its next planned failover is the failback home, to the original VM or, with {@code
 * alternateHostId}, to a new VM on an on-premises host. Reads the store only.
 */
final class FailbackChecks {
  private FailbackChecks() {}

  /** True when {@code item} is committed at a cloud site, so that a failback is what it accepts. */
  static boolean inCloud(Jdbi jdbi, ProtectedItem item) {
    if (!"committed".equals(item.state()) || item.activeSiteId() == null) {
      return false;
    }
    return jdbi.withExtension(SiteDao.class, d -> d.find(item.activeSiteId()))
        .map(site -> "cloud".equals(site.kind()))
        .orElse(false);
  }

  /**
   * The host named by {@code alternateHostId}, or null when none is asked for. 400 naming the field
   * when the host is unknown or at a cloud site; 409 when the item is not in the cloud.
   */
  static HostRef alternateHost(
      Jdbi jdbi, ProtectedItem item, boolean inCloud, String alternateHostId) {
    if (alternateHostId == null) {
      return null;
    }
    if (!inCloud) {
      throw ApiException.conflict(
          "alternateHostId is for a failback from a cloud site; the item is in state "
              + item.state()
              + (item.state().equals("committed") ? " at an on-premises site" : ""));
    }
    Host host =
        jdbi.withExtension(HostDao.class, d -> d.find(alternateHostId))
            .orElseThrow(
                () ->
                    ApiException.badRequest(
                        "alternateHostId",
                        "alternateHostId must name a registered host; '"
                            + alternateHostId
                            + "' is none"));
    Optional<Site> site = jdbi.withExtension(SiteDao.class, d -> d.find(host.siteId()));
    if (site.isEmpty() || "cloud".equals(site.get().kind())) {
      throw ApiException.badRequest(
          "alternateHostId",
          "alternateHostId must name a host at an on-premises site; '"
              + alternateHostId
              + "' is at a cloud site");
    }
    return new HostRef(host.id(), host.siteId(), host.agentAddress());
  }
}
