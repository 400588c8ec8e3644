package io.jobline.builtins.cleanup;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoCollection;
import io.jobline.builtins.Recording;
import io.jobline.builtins.TestResources;
import java.time.Duration;
import java.util.Date;
import java.util.Map;
import java.util.stream.IntStream;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TokenCleanupTest {
  private final TestResources resources = new TestResources();
  private final TokenCleanup jobs = new TokenCleanup(resources);

  @AfterEach
  void close() {
    resources.close();
  }

  private static void insert(
      MongoCollection<Document> c, String field, int count, Duration fromNow, String prefix) {
    IntStream.range(0, count)
        .forEach(
            i ->
                c.insertOne(
                    new Document("_id", prefix + i)
                        .append(field, Date.from(TestResources.NOW.plus(fromNow)))));
  }

  @Test
  void expiredSessionsAreDeletedInBatchesAndLiveOnesKept() {
    resources.settings.batchSize = 10;
    MongoCollection<Document> sessions = resources.app().getCollection("UserAuthentication");
    MongoCollection<Document> codes = resources.app().getCollection("AuthenticationCode");
    insert(sessions, "expires_at", 25, Duration.ofMinutes(-1), "old");
    insert(sessions, "expires_at", 5, Duration.ofMinutes(1), "live");
    insert(codes, "expires_at", 3, Duration.ofDays(-1), "code");
    Recording ctx = new Recording("token-cleanup");

    Map<String, Object> result = jobs.tokenCleanup(ctx);

    assertThat(result)
        .containsEntry("deleted", Map.of("UserAuthentication", 25L))
        .containsEntry("total_deleted", 25L)
        .containsEntry("stopped", false);
    assertThat(sessions.countDocuments()).isEqualTo(5);
    assertThat(sessions.find().map(d -> d.getString("_id"))).allMatch(id -> id.startsWith("live"));
    assertThat(codes.countDocuments()).isEqualTo(3);
    assertThat(ctx.lines)
        .contains(
            "0% UserAuthentication: 25 to delete",
            "40% UserAuthentication: deleted 10 of 25",
            "100% UserAuthentication: deleted 25 of 25");
  }

  @Test
  void expiredCodesAndSessionsAreDeletedFromConfiguredCollectionsAndFields() {
    resources.settings.tokens.userAuthentication.collection = "sessions";
    resources.settings.tokens.userAuthentication.expiresField = "valid_until";
    MongoCollection<Document> sessions = resources.app().getCollection("sessions");
    MongoCollection<Document> codes = resources.app().getCollection("AuthenticationCode");
    insert(sessions, "valid_until", 4, Duration.ofHours(-2), "s");
    insert(sessions, "expires_at", 2, Duration.ofHours(-2), "other-field");
    insert(codes, "expires_at", 3, Duration.ofSeconds(-1), "c");
    insert(codes, "expires_at", 1, Duration.ofSeconds(30), "fresh");

    Map<String, Object> result = jobs.cleanupExpiredTokens(new Recording("cleanup_expired_tokens"));

    assertThat(result.get("deleted")).isEqualTo(Map.of("AuthenticationCode", 3L, "sessions", 4L));
    assertThat(sessions.countDocuments()).isEqualTo(2);
    assertThat(codes.find().first().getString("_id")).isEqualTo("fresh0");
  }

  @Test
  void aStopRequestEndsTheJobBetweenBatchesWithWhatWasDeletedSoFar() {
    resources.settings.batchSize = 10;
    MongoCollection<Document> sessions = resources.app().getCollection("UserAuthentication");
    insert(sessions, "expires_at", 35, Duration.ofMinutes(-1), "old");
    Recording ctx = new Recording("token-cleanup").stopAfterChecks(3);

    Map<String, Object> result = jobs.tokenCleanup(ctx);

    assertThat(result).containsEntry("stopped", true).containsEntry("total_deleted", 20L);
    assertThat(sessions.countDocuments()).isEqualTo(15);
    assertThat(ctx.lines)
        .anyMatch(l -> l.startsWith("WARN UserAuthentication: stopped after deleting 20 of 35"));
  }
}
