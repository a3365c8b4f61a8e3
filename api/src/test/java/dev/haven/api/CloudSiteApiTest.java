package dev.haven.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.store.SiteDao;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** R2 / issue 8: a cloud site carries the location of its object store. */
@ExtendWith(DropwizardExtensionsSupport.class)
class CloudSiteApiTest {
  static final ApiHarness H = new ApiHarness("cloudsite");
  static final DropwizardAppExtension<HavenApiConfiguration> APP = H.app;

  @AfterAll
  static void close() {
    H.close();
  }

  @Test
  void R2_aCloudSiteIsCreatedWithItsObjectStore() {
    Http.Reply created =
        H.http()
            .post(
                "/sites",
                "{\"name\":\"r2-azure\",\"kind\":\"cloud\",\"storage\":\"file:///srv/haven/cloud\"}");

    assertThat(created.status()).isEqualTo(201);
    assertThat(created.text("storage")).isEqualTo("file:///srv/haven/cloud");
    String id = created.text("id");
    assertThat(H.http().get("/sites/" + id).text("storage")).isEqualTo("file:///srv/haven/cloud");
    Http.Reply onprem = H.http().post("/sites", "{\"name\":\"r2-dc\",\"kind\":\"onprem\"}");
    assertThat(onprem.json().get("storage").isNull()).isTrue();
  }

  @Test
  void R2_storageOnAnOnpremSiteOrAMalformedLocationIs400AndNothingIsStored() {
    long before = H.jdbi().onDemand(SiteDao.class).count();
    Http.Reply onprem =
        H.http()
            .post("/sites", "{\"name\":\"r2-x\",\"kind\":\"onprem\",\"storage\":\"file:///x\"}");
    assertThat(onprem.status()).isEqualTo(400);
    assertThat(onprem.text("field")).isEqualTo("storage");
    Http.Reply malformed =
        H.http()
            .post("/sites", "{\"name\":\"r2-y\",\"kind\":\"cloud\",\"storage\":\"ftp://nope\"}");
    assertThat(malformed.status()).isEqualTo(400);
    assertThat(malformed.text("field")).isEqualTo("storage");
    assertThat(H.jdbi().onDemand(SiteDao.class).count()).isEqualTo(before);
  }
}
