package io.jobline.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobline.store.InMemoryScheduleStore;
import io.jobline.wire.Json;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a request whose {@code Content-Type} no body can be read by gets, over HTTP (found by
 * review: a 500 on every route that reads a body, or a 400 blaming the path).
 */
class ContentTypeCheckTest {
  private static final String SCHEDULE =
      "{\"job_name\":\"every-5\",\"job_type\":\"noop\",\"cron_expression\":\"*/5 * * * *\"}";
  private static ApiServer api;

  @BeforeAll
  static void start() throws Exception {
    api =
        ApiServer.serving(
            new CronResource(Clock.systemUTC()),
            SchedulesResourceTest.resource(new InMemoryScheduleStore()));
  }

  @AfterAll
  static void stop() throws Exception {
    api.close();
  }

  private static void assertProblemNamingContentType(HttpResponse<String> reply, int status)
      throws Exception {
    assertThat(reply.statusCode()).as(reply.body()).isEqualTo(status);
    assertThat(reply.headers().firstValue("Content-Type")).hasValue(Problem.MEDIA_TYPE);
    JsonNode problem = Json.mapper().readTree(reply.body());
    assertThat(problem.path("status").asInt()).isEqualTo(status);
    assertThat(problem.path("field").asText()).isEqualTo("Content-Type");
  }

  @Test
  void aBodyInACharsetTheServerDoesNotKnowIsA415NamingContentType() throws Exception {
    for (String type : List.of("application/json; charset=nope", "text/plain;charset=\"x-none\"")) {
      assertProblemNamingContentType(
          api.send("POST", "/jobs/cron/preview", type, "{\"cron_expression\":\"0 9 * * *\"}"), 415);
      assertProblemNamingContentType(api.send("POST", "/jobs/schedules", type, SCHEDULE), 415);
      assertProblemNamingContentType(
          api.send("PATCH", "/jobs/schedules/every-5", type, "{\"description\":\"x\"}"), 415);
    }
  }

  @Test
  void aContentTypeThatDoesNotParseIsA400NamingContentType() throws Exception {
    // (Jersey refuses it before any filter runs; the error page blamed the path)
    for (String type : List.of("application/json; charset=@@", "application/json; charset")) {
      assertProblemNamingContentType(
          api.send("POST", "/jobs/cron/preview", type, "{\"cron_expression\":\"0 9 * * *\"}"), 400);
      assertProblemNamingContentType(api.send("POST", "/jobs/schedules", type, SCHEDULE), 400);
    }
  }

  @Test
  void aBodyInACharsetTheServerKnowsIsRead() throws Exception {
    assertThat(
            api.send(
                    "POST",
                    "/jobs/cron/preview",
                    "application/json; charset=UTF-8",
                    "{\"cron_expression\":\"0 9 * * *\"}")
                .statusCode())
        .isEqualTo(200);
    assertThat(
            api.send(
                    "POST",
                    "/jobs/cron/preview",
                    "application/json",
                    "{\"cron_expression\":\"0 9 * * *\"}")
                .statusCode())
        .isEqualTo(200);
  }
}
