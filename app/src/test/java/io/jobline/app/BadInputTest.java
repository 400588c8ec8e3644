package io.jobline.app;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class BadInputTest {
  private static Http http;

  @BeforeAll
  static void start() {
    http = new Http(SharedStandalone.get().apiUrl());
  }

  private static void assertProblem(
      Http.Reply reply, int status, String field, String detailFragment) {
    assertThat(reply.status()).isEqualTo(status);
    assertThat(reply.contentType()).startsWith("application/problem+json");
    assertThat(reply.body().path("status").asInt()).isEqualTo(status);
    assertThat(reply.body().path("field").asText()).isEqualTo(field);
    assertThat(reply.body().path("detail").asText()).contains(detailFragment);
  }

  @Test
  void anUnknownJobIsA404NamingIt() {
    assertProblem(
        http.post("/jobs/run/no-such-job", "{}"), 404, "job_name", "no job named 'no-such-job'");
  }

  @Test
  void malformedJsonIsA400SayingWhere() {
    assertProblem(
        http.post("/jobs/run/settlement", "{\"tenant_id\":"), 400, "body", "not valid JSON");
  }

  @Test
  void aMissingBodyIsA400() {
    assertProblem(
        http.post("/jobs/run/settlement", null), 400, "body", "a JSON object body is required");
  }

  @Test
  void paramsThatBreakTheJobsSchemaAreA400ListingEveryPath() {
    Http.Reply reply =
        http.post("/jobs/run/settlement", "{\"params\":{\"period\":\"2026-13\",\"extra\":1}}");
    assertProblem(reply, 400, "params", "do not match the schema");
    assertThat(reply.body().path("errors").toString()).contains("$.period").contains("extra");
  }

  @Test
  void aWronglyTypedFieldIsA400NamingIt() {
    assertProblem(
        http.post("/jobs/run/noop", "{\"tenant_id\":42}"), 400, "tenant_id", "non-empty string");
    assertProblem(
        http.post("/jobs/run/noop", "{\"timeout_seconds\":-1}"),
        400,
        "timeout_seconds",
        "positive");
  }

  @Test
  void anInvalidCronIsA400NamingTheField() {
    assertProblem(
        http.post(
            "/jobs/schedules",
            "{\"job_name\":\"x\",\"job_type\":\"noop\",\"cron_expression\":\"* * *\"}"),
        400,
        "cron_expression",
        "5 fields");
    assertProblem(
        http.post(
            "/jobs/schedules",
            "{\"job_name\":\"x\",\"job_type\":\"noop\",\"cron_expression\":\"* * * * *\",\"timezone\":\"Mars/Base\"}"),
        400,
        "timezone",
        "not an IANA timezone");
  }

  @Test
  void anUnknownRunIsA404() {
    Http.Reply reply = http.get("/jobs/runs/does-not-exist");
    assertThat(reply.status()).isEqualTo(404);
    assertThat(reply.contentType()).startsWith("application/problem+json");
  }

  @Test
  void anUnknownPathIsAProblemToo() {
    Http.Reply reply = http.get("/nothing/here");
    assertThat(reply.status()).isEqualTo(404);
    assertThat(reply.contentType()).startsWith("application/problem+json");
  }

  @Test
  void oversizedBodiesAndParamsAre413NamingWhatIsTooLarge() {
    String bigParams = "{\"params\":{\"blob\":\"" + "x".repeat(70_000) + "\"}}";
    Http.Reply params = http.post("/jobs/run/noop", bigParams);
    assertProblem(params, 413, "params", "at most 65536");
    Http.Reply body = http.post("/jobs/run/noop", "{\"x\":\"" + "y".repeat(1_100_000) + "\"}");
    assertThat(body.status()).isEqualTo(413);
    assertThat(body.contentType()).startsWith("application/problem+json");
  }
}
