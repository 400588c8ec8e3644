package io.jobline.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.MongoTimeoutException;
import io.jobline.cron.CronException;
import jakarta.ws.rs.core.Response;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

class ProblemMappersTest {
  @Test
  void aStoreThatCannotBeReachedIsA503NamingMongoDbWithRetryAfter() {
    Response r =
        new ProblemMappers.Unexpected()
            .toResponse(
                new IllegalStateException(
                    "listing runs failed",
                    new MongoTimeoutException("Timed out while waiting for a server")));
    assertThat(r.getStatus()).isEqualTo(503);
    assertThat(r.getMediaType().toString()).isEqualTo(Problem.MEDIA_TYPE);
    assertThat(r.getHeaderString("Retry-After")).isEqualTo("5");
    Problem p = (Problem) r.getEntity();
    assertThat(p.detail()).startsWith("MongoDB is unavailable");
    assertThat(p.field()).isEqualTo("dependency");
    assertThat(p.errors()).containsExactly("MongoDB");
  }

  @Test
  void kafkaNotTakingARequestInTimeIsA503NamingKafka() {
    Response r =
        new ProblemMappers.Unexpected()
            .toResponse(
                new IllegalStateException(
                    "Kafka did not accept run x", new TimeoutException("Expiring 1 record(s)")));
    assertThat(r.getStatus()).isEqualTo(503);
    assertThat(((Problem) r.getEntity()).errors()).containsExactly("Kafka");
  }

  @Test
  void aProblemAskingToComeBackSaysWhenInRetryAfter() {
    Response r =
        new ProblemMappers.Api()
            .toResponse(RequestedRuns.unsure("r1", "another search was running"));
    assertThat(r.getStatus()).isEqualTo(503);
    assertThat(r.getMediaType().toString()).isEqualTo(Problem.MEDIA_TYPE);
    assertThat(r.getHeaderString("Retry-After")).isEqualTo("1");
    assertThat(((Problem) r.getEntity()).field()).isEqualTo("run_id");
    assertThat(
            new ProblemMappers.Api()
                .toResponse(ApiException.notFound("x"))
                .getHeaderString("Retry-After"))
        .isNull();
  }

  @Test
  void aTriggerFieldNoRouteCheckedIsA400NamingIt() {
    Response r =
        new ProblemMappers.Cron()
            .toResponse(new CronException("timezone", "'Mars/Olympus' is not an IANA timezone"));
    assertThat(r.getStatus()).isEqualTo(400);
    assertThat(r.getMediaType().toString()).isEqualTo(Problem.MEDIA_TYPE);
    assertThat(((Problem) r.getEntity()).field()).isEqualTo("timezone");
    assertThat(ProblemMappers.all()).anyMatch(ProblemMappers.Cron.class::isInstance);
  }

  @Test
  void anythingElseStaysA500() {
    Response r = new ProblemMappers.Unexpected().toResponse(new NullPointerException("bug"));
    assertThat(r.getStatus()).isEqualTo(500);
  }
}
