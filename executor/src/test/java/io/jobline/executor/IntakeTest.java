package io.jobline.executor;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.job.JobRegistry;
import io.jobline.job.ParamsValidator;
import io.jobline.topic.Topics;
import io.jobline.wire.RunId;
import io.jobline.wire.TriggerType;
import io.jobline.wire.WireLimits;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class IntakeTest {
  private static final JobRegistry REGISTRY =
      JobRegistry.scan(List.of("io.jobline.executor.testjobs", "io.jobline.examples"));
  private static final Intake INTAKE = new Intake(REGISTRY, new ParamsValidator());
  private static final Intake.Place MAIN =
      new Intake.Place("jobline.requests", 3, 42, 1_764_583_200_000L, null);

  private static Intake.Admission admit(String json, Intake.Place at) {
    return INTAKE.admit(json == null ? null : json.getBytes(StandardCharsets.UTF_8), at);
  }

  private static String refusal(String json) {
    Intake.Admission a = admit(json, MAIN);
    assertThat(a).as(json).isInstanceOf(Intake.Refused.class);
    return ((Intake.Refused) a).reason();
  }

  @Test
  void aRequestWithOnlyAJobNameIsCompletedFromWhereItWasRead() {
    Intake.Admitted a =
        (Intake.Admitted) admit("{\"job_name\":\"counting\",\"tenant_id\":\"acme\"}", MAIN);
    assertThat(a.job().name()).isEqualTo("counting");
    assertThat(a.request().runId()).isEqualTo(RunId.forRecord("jobline.requests", 3, 42));
    assertThat(a.request().trigger().type()).isEqualTo(TriggerType.TOPIC);
    assertThat(a.request().requestedAt()).isEqualTo(Instant.ofEpochMilli(1_764_583_200_000L));
  }

  @Test
  void aBlankTenantIsRefusedNamingTheField() {
    // found by review: it ran for a tenant named "", and a per-tenant job fanned out to none
    for (String blank : List.of("\"\"", "\"  \"")) {
      assertThat(refusal("{\"job_name\":\"tenant-report\",\"tenant_id\":" + blank + "}"))
          .contains("tenant_id")
          .contains("must not be blank");
    }
    assertThat(admit("{\"job_name\":\"tenant-report\"}", MAIN)).isInstanceOf(Intake.Admitted.class);
  }

  @Test
  void aPerTenantJobsRequestNamingAParentButNoTenantIsRefused() {
    // found by review: it ran once with no tenant, as if it were one tenant's run of a fan-out
    assertThat(refusal("{\"job_name\":\"tenant-report\",\"parent_run_id\":\"anything\"}"))
        .contains("parent_run_id is set but tenant_id is not");
    assertThat(
            admit(
                "{\"job_name\":\"tenant-report\",\"parent_run_id\":\"p1\",\"tenant_id\":\"acme\"}",
                MAIN))
        .as("one tenant's run of a fan-out")
        .isInstanceOf(Intake.Admitted.class);
  }

  @Test
  void aRecordTimestampPastTheYear9999IsNoRequestTime() {
    Intake.Place far = new Intake.Place("jobline.requests", 3, 43, 253_402_300_800_000L, null);
    Intake.Admitted a =
        (Intake.Admitted) admit("{\"job_name\":\"counting\",\"tenant_id\":\"acme\"}", far);
    assertThat(a.request().requestedAt()).isNull();
  }

  @Test
  void aRequestMovedToTheOverflowLaneKeepsTheIdOfItsFirstPlace() {
    Intake.Place moved =
        new Intake.Place(
            "jobline.requests.overflow",
            3,
            7,
            1_764_583_200_000L,
            new Origin("jobline.requests", 3, 42));
    Intake.Admitted a = (Intake.Admitted) admit("{\"job_name\":\"counting\"}", moved);
    assertThat(a.request().runId()).isEqualTo(RunId.forRecord("jobline.requests", 3, 42));
  }

  @Test
  void aRequestAdmittedThenMovedAsideIsAdmittedAgainThoughItsMoveMadeItLonger() {
    // found by review: moved as the executor writes it, params of numbers like 1e6 came out more
    // than twice as long, and a request accepted in the main lane was refused as too large
    StringBuilder json = new StringBuilder("{\"job_name\":\"counting\",\"params\":{\"n\":[");
    while (json.length() < WireLimits.MAX_REQUEST_BYTES - 10) {
      json.append("1e6,");
    }
    json.append("1]}}");
    Intake.Admitted first = (Intake.Admitted) admit(json.toString(), MAIN);
    byte[] moved =
        Topics.REQUESTS
            .valueSerde()
            .serializer()
            .serialize(Topics.REQUESTS.name(), first.request());
    assertThat(moved.length).isGreaterThan(2 * WireLimits.MAX_REQUEST_BYTES);

    Intake.Place overflow =
        new Intake.Place(
            "jobline.requests.overflow",
            3,
            7,
            1_764_583_200_000L,
            new Origin("jobline.requests", 3, 42));
    assertThat(INTAKE.admit(moved, overflow)).isInstanceOf(Intake.Admitted.class);
    assertThat(
            INTAKE.admit(new byte[Intake.MAX_MOVED_BYTES + 1], overflow) instanceof Intake.Refused r
                ? r.reason()
                : "")
        .startsWith("too large");
    assertThat(
            admit(new String(moved, StandardCharsets.UTF_8), MAIN) instanceof Intake.Refused r
                ? r.reason()
                : "")
        .as("straight to the main lane, the limit is the api's")
        .startsWith("too large");
  }

  @Test
  void aGivenRunIdTriggerAndRequestTimeAreKept() {
    Intake.Admitted a =
        (Intake.Admitted)
            admit(
                "{\"run_id\":\"r-9\",\"job_name\":\"counting\","
                    + "\"trigger\":{\"type\":\"manual\"},\"requested_at\":\"2026-12-01T10:00:00Z\"}",
                MAIN);
    assertThat(a.request().runId()).isEqualTo(RunId.of("r-9"));
    assertThat(a.request().trigger().type()).isEqualTo(TriggerType.MANUAL);
    assertThat(a.request().requestedAt()).isEqualTo(Instant.parse("2026-12-01T10:00:00Z"));
  }

  @Test
  void everyKindOfBadRecordIsRefusedWithItsReason() {
    assertThat(refusal("not json")).startsWith("unparseable");
    assertThat(refusal(null)).isEqualTo("empty record value");
    assertThat(refusal("{\"tenant_id\":\"acme\"}")).isEqualTo("missing field job_name");
    assertThat(refusal("{\"job_name\":\"no-such-job\"}")).isEqualTo("unknown job 'no-such-job'");
    assertThat(refusal("{\"job_name\":\"settlement\",\"params\":{\"period\":\"2026-13\"}}"))
        .startsWith("invalid params")
        .contains("period");
    assertThat(refusal("{\"job_name\":\"counting\",\"max_attempts\":0}")).contains("max_attempts");
    assertThat(refusal("{\"job_name\":\"counting\",\"tenant_id\":\"a\\ud800b\"}"))
        .contains("tenant_id");
    String huge =
        "{\"job_name\":\"counting\",\"run_id\":\"r-big\",\"params\":{\"pad\":\""
            + "x".repeat(WireLimits.MAX_REQUEST_BYTES)
            + "\"}}";
    Intake.Refused tooLarge = (Intake.Refused) admit(huge, MAIN);
    assertThat(tooLarge.reason()).startsWith("too large");
    assertThat(tooLarge.ids().runId())
        .as("the ids are salvaged so its run can be ended")
        .isEqualTo(RunId.of("r-big"));
  }

  @Test
  void aRequestTooLargeWithNoRunIdIsRefusedForTheRunHistoryDerivesForIt() {
    // found by review: refused with no ids, so no failed event: history, which reads it whole and
    // derives its run id from where it lies, showed that run queued for ever
    String big =
        "{\"job_name\":\"noop\",\"tenant_id\":\"acme\",\"params\":{\"pad\":\""
            + "x".repeat(WireLimits.MAX_REQUEST_BYTES)
            + "\"}}";
    Intake.Refused r = (Intake.Refused) admit(big, MAIN);
    assertThat(r.reason()).startsWith("too large");
    assertThat(r.ids().runId()).isEqualTo(RunId.forRecord("jobline.requests", 3, 42));
    assertThat(r.ids().jobName()).isEqualTo("noop");
    assertThat(r.ids().tenantId()).isEqualTo("acme");
    // broken further on: history cannot read it either and folds no run for it, so none is named
    Intake.Refused broken = (Intake.Refused) admit("{\"job_name\":\"noop\",\"params\":{", MAIN);
    assertThat(broken.ids()).isNull();
  }

  @Test
  void aRefusedRequestThatCouldBeReadCarriesItsIdsForItsFailedEvent() {
    Intake.Refused r =
        (Intake.Refused)
            admit("{\"run_id\":\"r-1\",\"job_name\":\"no-such-job\",\"tenant_id\":\"acme\"}", MAIN);
    assertThat(r.ids().runId()).isEqualTo(RunId.of("r-1"));
    assertThat(r.ids().tenantId()).isEqualTo("acme");
  }
}
