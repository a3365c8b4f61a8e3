package dev.haven.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.store.PairingDao;
import dev.haven.store.PolicyDao;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Replication policies (R9) and site pairings (R8) through the API. */
@ExtendWith(DropwizardExtensionsSupport.class)
class PolicyApiTest {
  static final ApiHarness H = new ApiHarness("policy");
  static final DropwizardAppExtension<HavenApiConfiguration> APP = H.app;

  @AfterAll
  static void close() {
    H.close();
  }

  private static Map<String, Object> policy(String name) {
    Map<String, Object> body = new HashMap<>();
    body.put("name", name);
    body.put("copyFrequencySeconds", 30);
    body.put("recoveryPointRetentionHours", 24);
    return body;
  }

  private static Http.Reply post(Map<String, Object> body) {
    return H.http().post("/policies", Http.json(body));
  }

  /** Posts {@code body}, expects 400 naming {@code field}, and checks that nothing was stored. */
  private static void refused(Map<String, Object> body, String field) {
    long before = H.jdbi().onDemand(PolicyDao.class).count();
    Http.Reply reply = post(body);
    assertThat(reply.status()).as(reply.body()).isEqualTo(400);
    assertThat(reply.text("field")).isEqualTo(field);
    assertThat(reply.text("message")).contains(field);
    assertThat(H.jdbi().onDemand(PolicyDao.class).count()).isEqualTo(before);
  }

  @Test
  void R9_aPolicyKeepsEveryField() {
    Map<String, Object> body = policy("r9-gold");
    body.put("appConsistentFrequencyHours", 4);
    body.put("initialReplicationStart", "2026-12-01T22:00:00Z");
    body.put("resyncWindow", "manual");
    body.put("compression", false);
    body.put("encryption", true);
    body.put("replicaDeletion", "delete");

    Http.Reply created = post(body);

    assertThat(created.status()).isEqualTo(201);
    Http.Reply read = H.http().get("/policies/" + created.text("id"));
    for (Map.Entry<String, Object> field : body.entrySet()) {
      assertThat(read.json().get(field.getKey()).asText())
          .as(field.getKey())
          .isEqualTo(String.valueOf(field.getValue()));
    }
  }

  @Test
  void R9_omittedOptionalFieldsTakeTheirDefaults() {
    Http.Reply created = post(policy("r9-defaults"));

    assertThat(created.json().get("appConsistentFrequencyHours").asInt()).isZero();
    assertThat(created.text("initialReplicationStart")).isEqualTo("immediately");
    assertThat(created.text("resyncWindow")).isEqualTo("outside-office-hours");
    assertThat(created.json().get("compression").asBoolean()).isTrue();
    assertThat(created.json().get("encryption").asBoolean()).isTrue();
    assertThat(created.text("replicaDeletion")).isEqualTo("keep");
  }

  @Test
  void R9_invalidPoliciesAre400NamingTheFieldAndStoreNothing() {
    Map<String, Object> fast = policy("r9-fast");
    fast.put("copyFrequencySeconds", 4);
    refused(fast, "copyFrequencySeconds");

    Map<String, Object> noRetention = policy("r9-short");
    noRetention.put("recoveryPointRetentionHours", 0);
    refused(noRetention, "recoveryPointRetentionHours");

    Map<String, Object> longRetention = policy("r9-long");
    longRetention.put("recoveryPointRetentionHours", 721);
    refused(longRetention, "recoveryPointRetentionHours");

    Map<String, Object> appConsistent = policy("r9-app");
    appConsistent.put("appConsistentFrequencyHours", 25);
    refused(appConsistent, "appConsistentFrequencyHours");

    Map<String, Object> resync = policy("r9-resync");
    resync.put("resyncWindow", "sometimes");
    refused(resync, "resyncWindow");

    Map<String, Object> deletion = policy("r9-delete");
    deletion.put("replicaDeletion", "shred");
    refused(deletion, "replicaDeletion");

    Map<String, Object> start = policy("r9-start");
    start.put("initialReplicationStart", "tomorrow");
    refused(start, "initialReplicationStart");

    Map<String, Object> unnamed = policy("");
    refused(unnamed, "name");
  }

  @Test
  void R9_putReplacesAPolicy() {
    String id = post(policy("r9-put")).text("id");
    Map<String, Object> changed = policy("r9-put");
    changed.put("copyFrequencySeconds", 300);

    Http.Reply replaced = H.http().put("/policies/" + id, Http.json(changed));

    assertThat(replaced.status()).isEqualTo(200);
    assertThat(H.http().get("/policies/" + id).json().get("copyFrequencySeconds").asInt())
        .isEqualTo(300);
    assertThat(H.http().put("/policies/pol-none", Http.json(changed)).status()).isEqualTo(404);
    post(policy("r9-other"));
    Http.Reply clash = H.http().put("/policies/" + id, Http.json(policy("r9-other")));
    assertThat(clash.status()).isEqualTo(409);
    assertThat(clash.text("field")).isEqualTo("name");
  }

  @Test
  void R8_pairingsJoinTwoSitesUnderAPolicy() {
    Http http = H.http();
    String a = TestInventory.created(http, "/sites", Map.of("name", "r8-a", "kind", "onprem"));
    String b = TestInventory.created(http, "/sites", Map.of("name", "r8-b", "kind", "cloud"));
    String policy = post(policy("r8-policy")).text("id");
    Map<String, Object> body =
        Map.of(
            "sourceSiteId", a,
            "targetSiteId", b,
            "policyId", policy,
            "networkMappings", List.of(Map.of("source", "lan", "target", "vnet")));

    Http.Reply created = http.post("/site-pairings", Http.json(body));

    assertThat(created.status()).isEqualTo(201);
    String id = created.text("id");
    Http.Reply read = http.get("/site-pairings/" + id);
    assertThat(read.text("policyId")).isEqualTo(policy);
    assertThat(read.json().get("networkMappings").get(0).get("target").asText()).isEqualTo("vnet");
    assertThat(http.get("/site-pairings").json().findValuesAsText("id")).contains(id);
    assertThat(http.post("/site-pairings", Http.json(body)).status()).isEqualTo(409);
  }

  @Test
  void R8_invalidPairingsAreRefusedAndStoreNothing() {
    Http http = H.http();
    String a = TestInventory.created(http, "/sites", Map.of("name", "r8-x", "kind", "onprem"));
    String b = TestInventory.created(http, "/sites", Map.of("name", "r8-y", "kind", "onprem"));
    String policy = post(policy("r8-refused")).text("id");
    long before = H.jdbi().onDemand(PairingDao.class).count();

    Http.Reply unknownSite =
        http.post(
            "/site-pairings",
            Http.json(Map.of("sourceSiteId", "site-no", "targetSiteId", b, "policyId", policy)));
    assertThat(unknownSite.status()).isEqualTo(404);
    assertThat(unknownSite.text("field")).isEqualTo("sourceSiteId");

    Http.Reply unknownPolicy =
        http.post(
            "/site-pairings",
            Http.json(Map.of("sourceSiteId", a, "targetSiteId", b, "policyId", "pol-no")));
    assertThat(unknownPolicy.status()).isEqualTo(404);
    assertThat(unknownPolicy.text("field")).isEqualTo("policyId");

    Http.Reply itself =
        http.post(
            "/site-pairings",
            Http.json(Map.of("sourceSiteId", a, "targetSiteId", a, "policyId", policy)));
    assertThat(itself.status()).isEqualTo(400);
    assertThat(itself.text("field")).isEqualTo("targetSiteId");

    Http.Reply twice =
        http.post(
            "/site-pairings",
            Http.json(
                Map.of(
                    "sourceSiteId",
                    a,
                    "targetSiteId",
                    b,
                    "policyId",
                    policy,
                    "networkMappings",
                    List.of(
                        Map.of("source", "lan", "target", "x"),
                        Map.of("source", "lan", "target", "y")))));
    assertThat(twice.status()).isEqualTo(400);
    assertThat(twice.text("field")).isEqualTo("networkMappings[1].source");

    assertThat(H.jdbi().onDemand(PairingDao.class).count()).isEqualTo(before);
  }
}
