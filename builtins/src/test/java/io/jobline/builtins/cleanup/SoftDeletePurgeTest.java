package io.jobline.builtins.cleanup;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.builtins.Recording;
import io.jobline.builtins.TestResources;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SoftDeletePurgeTest {
  private final TestResources resources = new TestResources();

  @BeforeEach
  void documents() {
    resources.settings.softDelete.collections = List.of("customers", "orders");
    resources.settings.softDelete.retentionDays = 30;
    for (String c : List.of("customers", "orders")) {
      var coll = resources.app().getCollection(c);
      coll.insertOne(
          new Document("_id", "purge")
              .append("is_deleted", true)
              .append("deleted_at", Date.from(TestResources.NOW.minus(Duration.ofDays(31)))));
      coll.insertOne(
          new Document("_id", "recently-deleted")
              .append("is_deleted", true)
              .append("deleted_at", Date.from(TestResources.NOW.minus(Duration.ofDays(2)))));
      coll.insertOne(
          new Document("_id", "restored")
              .append("is_deleted", false)
              .append("deleted_at", Date.from(TestResources.NOW.minus(Duration.ofDays(60)))));
      coll.insertOne(new Document("_id", "live"));
    }
    resources
        .app()
        .getCollection("invoices")
        .insertOne(
            new Document("_id", "not-configured")
                .append("is_deleted", true)
                .append("deleted_at", Date.from(TestResources.NOW.minus(Duration.ofDays(90)))));
  }

  @AfterEach
  void close() {
    resources.close();
  }

  @Test
  void nothingIsPurgedUnlessSoftDeleteIsEnabled() {
    Recording ctx = new Recording("purge_soft_deleted");

    Map<String, Object> result = new SoftDeletePurge(resources).purgeSoftDeleted(ctx);

    assertThat(result).containsEntry("total_deleted", 0L);
    assertThat(resources.app().getCollection("customers").countDocuments()).isEqualTo(4);
    assertThat(ctx.lines).anyMatch(l -> l.contains("SOFT_DELETE_ENABLED"));
  }

  @Test
  void documentsSoftDeletedBeforeTheRetentionAreHardDeletedInTheConfiguredCollections() {
    resources.settings.softDelete.enabled = true;

    Map<String, Object> result =
        new SoftDeletePurge(resources).purgeSoftDeleted(new Recording("purge_soft_deleted"));

    assertThat(result.get("deleted")).isEqualTo(Map.of("customers", 1L, "orders", 1L));
    for (String c : List.of("customers", "orders")) {
      assertThat(resources.app().getCollection(c).find().map(d -> d.getString("_id")))
          .containsExactlyInAnyOrder("recently-deleted", "restored", "live");
    }
    assertThat(resources.app().getCollection("invoices").countDocuments()).isEqualTo(1);
  }
}
