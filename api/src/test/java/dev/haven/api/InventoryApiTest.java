package dev.haven.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.store.SiteDao;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Sites, hosts and VMs through the API (R2, R3, R5), and the error format (D2). */
@ExtendWith(DropwizardExtensionsSupport.class)
class InventoryApiTest {
  static final ApiHarness H = new ApiHarness("inventory");
  static final DropwizardAppExtension<HavenApiConfiguration> APP = H.app;
  static final FakeAgent AGENT = FakeAgent.start("inv-1", "inv");

  @AfterAll
  static void close() {
    AGENT.close();
    H.close();
  }

  private static String site(String name) {
    return TestInventory.created(H.http(), "/sites", Map.of("name", name, "kind", "onprem"));
  }

  private static String host(String siteId, String name, String address) {
    return TestInventory.created(
        H.http(), "/hosts", Map.of("siteId", siteId, "name", name, "agentAddress", address));
  }

  @Test
  void R2_sitesAreCreatedListedAndRead() {
    Http.Reply created = H.http().post("/sites", "{\"name\":\"r2-cloud\",\"kind\":\"cloud\"}");

    assertThat(created.status()).isEqualTo(201);
    String id = created.text("id");
    assertThat(id).startsWith("site-");
    assertThat(H.http().get("/sites/" + id).text("kind")).isEqualTo("cloud");
    assertThat(H.http().get("/sites").json().findValuesAsText("name")).contains("r2-cloud");
  }

  @Test
  void R2_aSiteKindOtherThanOnpremOrCloudIs400NamingTheField() {
    Http.Reply reply = H.http().post("/sites", "{\"name\":\"r2-moon\",\"kind\":\"moon\"}");

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.text("code")).isEqualTo("BAD_REQUEST");
    assertThat(reply.text("field")).isEqualTo("kind");
    assertThat(reply.text("message")).contains("kind must be onprem or cloud");
  }

  @Test
  void R2_aSecondSiteWithTheSameNameIs409() {
    site("r2-twin");
    long before = H.jdbi().onDemand(SiteDao.class).count();

    Http.Reply reply = H.http().post("/sites", "{\"name\":\"r2-twin\",\"kind\":\"onprem\"}");

    assertThat(reply.status()).isEqualTo(409);
    assertThat(reply.text("field")).isEqualTo("name");
    assertThat(H.jdbi().onDemand(SiteDao.class).count()).isEqualTo(before);
  }

  @Test
  void D2_malformedJsonIs400NamingTheField() {
    Http.Reply syntax = H.http().post("/sites", "{\"name\": \"x\", \"kind\": }");
    assertThat(syntax.status()).isEqualTo(400);
    assertThat(syntax.text("message")).startsWith("malformed JSON");
    assertThat(syntax.text("field")).isEqualTo("kind");

    Http.Reply wrongType = H.http().post("/sites", "{\"name\": [\"x\"], \"kind\": \"cloud\"}");
    assertThat(wrongType.status()).isEqualTo(400);
    assertThat(wrongType.text("field")).isEqualTo("name");
    assertThat(wrongType.text("message")).isEqualTo("name must be a string");

    String site = site("d2-json");
    String host = host(site, "h", AGENT.address());
    Http.Reply nested =
        H.http()
            .post(
                "/hosts/" + host + "/vms",
                "{\"name\":\"v\",\"cpus\":1,\"memoryMiB\":64,\"disks\":[{\"sizeBytes\":\"big\"}]}");
    assertThat(nested.status()).isEqualTo(400);
    assertThat(nested.text("field")).isEqualTo("disks[0].sizeBytes");
    assertThat(nested.body()).doesNotContain("at dev.").doesNotContain("Exception");
  }

  @Test
  void D2_anUnknownPropertyIs400NamingIt() {
    Http.Reply reply =
        H.http().post("/sites", "{\"name\":\"d2-extra\",\"kind\":\"onprem\",\"colour\":\"red\"}");

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.text("field")).isEqualTo("colour");
    assertThat(reply.text("message")).contains("unknown property 'colour'");
    assertThat(H.jdbi().onDemand(SiteDao.class).findByName("d2-extra")).isEmpty();
  }

  @Test
  void D2_aMissingBodyOrMissingFieldIs400() {
    Http.Reply empty = H.http().post("/sites", "");
    assertThat(empty.status()).isEqualTo(400);
    assertThat(empty.text("message")).contains("request body");

    Http.Reply missing = H.http().post("/sites", "{\"kind\":\"onprem\"}");
    assertThat(missing.status()).isEqualTo(400);
    assertThat(missing.text("field")).isEqualTo("name");
  }

  @Test
  void D2_unknownIdsAre404() {
    for (String path :
        List.of(
            "/sites/nope",
            "/sites/nope/hosts",
            "/hosts/nope",
            "/hosts/nope/vms",
            "/vms/nope",
            "/policies/nope",
            "/site-pairings/nope",
            "/protected-items/nope",
            "/protected-items/nope/recovery-points",
            "/jobs/nope")) {
      Http.Reply reply = H.http().get(path);
      assertThat(reply.status()).as(path).isEqualTo(404);
      assertThat(reply.text("code")).as(path).isEqualTo("NOT_FOUND");
      assertThat(reply.text("message")).as(path).contains("'nope' does not exist");
    }
    Http.Reply nowhere = H.http().get("/no-such-thing");
    assertThat(nowhere.status()).isEqualTo(404);
    assertThat(nowhere.text("code")).isEqualTo("NOT_FOUND");
  }

  @Test
  void R3_hostsRegisterAndReportTheirAgent() {
    String site = site("r3-site");
    String id = host(site, "r3-host", AGENT.address());

    assertThat(H.http().get("/sites/" + site + "/hosts").json().findValuesAsText("id"))
        .containsExactly(id);
    Http.Reply status = H.http().get("/hosts/" + id);
    assertThat(status.status()).isEqualTo(200);
    assertThat(status.json().get("reachable").asBoolean()).isTrue();
    assertThat(status.text("version")).isEqualTo("fake-1.0");
    assertThat(status.json().get("freeBytes").asLong()).isEqualTo(1L << 40);
  }

  @Test
  void R3_anAgentThatDoesNotAnswerIsReportedUnreachable() {
    String site = site("r3-dead");
    String id = host(site, "gone", "127.0.0.1:1");

    Http.Reply status = H.http().get("/hosts/" + id);

    assertThat(status.status()).isEqualTo(200);
    assertThat(status.json().get("reachable").asBoolean()).isFalse();
    assertThat(status.text("state")).isEqualTo("unreachable");
    assertThat(status.text("error")).contains("127.0.0.1:1");
  }

  @Test
  void R3_aHostOfAnUnknownSiteIs404NamingTheField() {
    Http.Reply reply =
        H.http().post("/hosts", "{\"siteId\":\"site-x\",\"name\":\"h\",\"agentAddress\":\"a:1\"}");

    assertThat(reply.status()).isEqualTo(404);
    assertThat(reply.text("field")).isEqualTo("siteId");
    Http.Reply badAddress =
        H.http()
            .post("/hosts", "{\"siteId\":\"site-x\",\"name\":\"h\",\"agentAddress\":\"nowhere\"}");
    assertThat(badAddress.status()).isEqualTo(400);
    assertThat(badAddress.text("field")).isEqualTo("agentAddress");
  }

  @Test
  void R5_vmsAreCreatedListedAndPoweredThroughTheAgent() {
    String host = host(site("r5-site"), "r5-host", AGENT.address());
    String vm = TestInventory.newVm(H.http(), host, "r5-web");

    assertThat(H.http().get("/hosts/" + host + "/vms").json().findValuesAsText("id")).contains(vm);
    Http.Reply off = H.http().get("/vms/" + vm);
    assertThat(off.text("hostId")).isEqualTo(host);
    assertThat(off.text("powerState")).isEqualTo("off");
    assertThat(off.json().get("memoryMiB").asInt()).isEqualTo(256);
    assertThat(off.json().get("disks").get(0).get("sizeBytes").asLong()).isEqualTo(1 << 20);
    assertThat(off.json().get("disks").get(0).has("nbd")).isFalse();

    Http.Reply on = H.http().post("/vms/" + vm + "/power", "{\"state\":\"on\"}");
    assertThat(on.status()).isEqualTo(200);
    assertThat(on.json().get("disks").get(0).get("nbd").asText()).startsWith("nbd://");
    assertThat(H.http().get("/vms/" + vm).text("powerState")).isEqualTo("on");

    Http.Reply bad = H.http().post("/vms/" + vm + "/power", "{\"state\":\"maybe\"}");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.text("field")).isEqualTo("state");
  }

  @Test
  void R5_aVmNeedsDisksOfAPositiveSize() {
    String host = host(site("r5-disks"), "h", AGENT.address());

    Http.Reply none =
        H.http()
            .post(
                "/hosts/" + host + "/vms",
                "{\"name\":\"v\",\"cpus\":1,\"memoryMiB\":64,\"disks\":[]}");
    assertThat(none.status()).isEqualTo(400);
    assertThat(none.text("field")).isEqualTo("disks");

    Http.Reply zero =
        H.http()
            .post(
                "/hosts/" + host + "/vms",
                "{\"name\":\"v\",\"cpus\":1,\"memoryMiB\":64,\"disks\":[{\"sizeBytes\":0}]}");
    assertThat(zero.status()).isEqualTo(400);
    assertThat(zero.text("field")).isEqualTo("disks[0].sizeBytes");
  }

  @Test
  void R5_importNeedsAnImageTheAgentAcceptsAndNoDisksBeside() {
    String host = host(site("r5-import"), "h", AGENT.address());
    int before = H.http().get("/hosts/" + host + "/vms").json().size();

    Http.Reply missing =
        H.http()
            .post(
                "/hosts/" + host + "/vms",
                "{\"name\":\"v\",\"cpus\":1,\"memoryMiB\":64,\"image\":\"/nothere.qcow2\"}");
    assertThat(missing.status()).isEqualTo(400);
    assertThat(missing.text("field")).isEqualTo("image");
    assertThat(missing.text("message")).contains("/nothere.qcow2");

    Http.Reply both =
        H.http()
            .post(
                "/hosts/" + host + "/vms",
                "{\"name\":\"v\",\"cpus\":1,\"memoryMiB\":64,\"image\":\"/x.raw\","
                    + "\"disks\":[{\"sizeBytes\":4096}]}");
    assertThat(both.status()).isEqualTo(400);
    assertThat(both.text("field")).isEqualTo("disks");
    assertThat(H.http().get("/hosts/" + host + "/vms").json().size()).isEqualTo(before);
  }

  @Test
  void R5_aVmOnlyTheAgentKnowsIsFoundByAskingTheAgents() {
    host(site("r5-hidden"), "h", AGENT.address());
    AGENT.put("hidden-vm", "made-elsewhere");

    Http.Reply reply = H.http().get("/vms/hidden-vm");

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.text("name")).isEqualTo("made-elsewhere");
  }
}
