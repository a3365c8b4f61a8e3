package dev.haven.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.store.Ids;
import dev.haven.store.Job;
import dev.haven.store.JobDao;
import dev.haven.store.JobStep;
import dev.haven.store.Pairing;
import dev.haven.store.ProtectedItem;
import dev.haven.store.ProtectedItemDao;
import dev.haven.store.Site;
import dev.haven.store.StoreSeeder;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import java.time.Instant;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Jobs and their steps (R28), as the workflows' store activities leave them. */
@ExtendWith(DropwizardExtensionsSupport.class)
class JobApiTest {
  static final ApiHarness H = new ApiHarness("jobs", (jdbi, temporal) -> seed(jdbi));
  static final DropwizardAppExtension<HavenApiConfiguration> APP = H.app;
  static final long T = 1_790_000_000_000L;
  static String itemA;
  static String itemB;

  @AfterAll
  static void close() {
    H.close();
  }

  /** Two items in a final state (so no workflow resumes) and four jobs between them. */
  static void seed(Jdbi jdbi) {
    StoreSeeder seeder = new StoreSeeder(jdbi);
    Site p = seeder.ensureSite("primary", "onprem");
    Site s = seeder.ensureSite("secondary", "onprem");
    String source = seeder.ensureHost(p.id(), "p1", "127.0.0.1:1").id();
    String target = seeder.ensureHost(s.id(), "s1", "127.0.0.1:2").id();
    Pairing pairing = seeder.ensureDefaultPairing(p.id(), s.id());
    itemA = item(jdbi, "vm-a", pairing, source, target);
    itemB = item(jdbi, "vm-b", pairing, source, target);
    JobDao jobs = jdbi.onDemand(JobDao.class);
    jobs.insert(job("job-a1", "enable-protection", itemA, "succeeded", T, T + 1, T + 9, null));
    jobs.insert(job("job-a2", "planned-failover", itemA, "failed", T + 10, T + 11, T + 19, "lost"));
    jobs.insert(job("job-b1", "enable-protection", itemB, "running", T + 20, T + 21, null, null));
    jobs.insert(job("job-b2", "planned-failover", itemB, "queued", T + 30, null, null, null));
    jobs.insertStep(
        new JobStep("job-a2", "shut-down-source", 0, "succeeded", T + 11, T + 12, null));
    jobs.insertStep(
        new JobStep("job-a2", "replicate-last-changes", 1, "failed", T + 12, T + 19, "lost"));
  }

  private static String item(Jdbi jdbi, String vm, Pairing pairing, String source, String target) {
    String id = Ids.next("item");
    jdbi.onDemand(ProtectedItemDao.class)
        .insert(
            new ProtectedItem(
                id,
                vm,
                pairing.id(),
                source,
                target,
                null,
                "committed",
                "normal",
                null,
                null,
                null,
                null,
                pairing.sourceSiteId(),
                "protect/" + id,
                T,
                T));
    return id;
  }

  private static Job job(
      String id,
      String type,
      String item,
      String state,
      long created,
      Long start,
      Long end,
      String error) {
    return new Job(id, type, item, state, created, start, end, "protect/" + item, error);
  }

  private static Iterable<String> ids(String query) {
    Http.Reply reply = H.http().get("/jobs" + query);
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    return reply.json().findValuesAsText("id");
  }

  @Test
  void R28_jobsAreListedNewestFirst() {
    assertThat(ids("")).containsExactly("job-b2", "job-b1", "job-a2", "job-a1");
    assertThat(ids("?limit=2")).containsExactly("job-b2", "job-b1");
  }

  @Test
  void R28_jobsFilterByItemStateAndType() {
    assertThat(ids("?itemId=" + itemA)).containsExactly("job-a2", "job-a1");
    assertThat(ids("?state=running")).containsExactly("job-b1");
    assertThat(ids("?type=planned-failover")).containsExactly("job-b2", "job-a2");
    assertThat(ids("?itemId=" + itemB + "&type=enable-protection")).containsExactly("job-b1");
    assertThat(ids("?state=cancelled")).isEmpty();
  }

  @Test
  void R28_badFiltersAre400NamingTheParameter() {
    Http.Reply state = H.http().get("/jobs?state=sleeping");
    assertThat(state.status()).isEqualTo(400);
    assertThat(state.text("field")).isEqualTo("state");

    Http.Reply limit = H.http().get("/jobs?limit=lots");
    assertThat(limit.status()).isEqualTo(400);
    assertThat(limit.text("field")).isEqualTo("limit");
  }

  @Test
  void R28_aJobShowsItsStepsTimesAndError() {
    Http.Reply reply = H.http().get("/jobs/job-a2");

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.text("type")).isEqualTo("planned-failover");
    assertThat(reply.text("state")).isEqualTo("failed");
    assertThat(reply.text("startedAt")).isEqualTo(Instant.ofEpochMilli(T + 11).toString());
    assertThat(reply.text("endedAt")).isEqualTo(Instant.ofEpochMilli(T + 19).toString());
    assertThat(reply.text("workflowId")).isEqualTo("protect/" + itemA);
    assertThat(reply.text("itemId")).isEqualTo(itemA);
    assertThat(reply.text("error")).isEqualTo("lost");
    assertThat(reply.json().get("steps").findValuesAsText("name"))
        .containsExactly("shut-down-source", "replicate-last-changes");
    assertThat(reply.json().get("steps").get(1).get("error").asText()).isEqualTo("lost");
    Http.Reply queued = H.http().get("/jobs/job-b2");
    assertThat(queued.json().get("startedAt").isNull()).isTrue();
    assertThat(queued.json().get("steps").size()).isZero();
  }
}
