package io.jobline.wire;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import io.jobline.topic.Topic;
import io.jobline.topic.Topics;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class WireContractTest {

  @Test
  void aChainStepRequestRoundTripsAndItsRunIdIsDerivedFromChainRunStepAndAttempt()
      throws IOException {
    JsonNode fixture = read("/fixtures/job-request-chain-step.json");
    JobRequest request = roundTrip(Topics.REQUESTS, fixture);

    assertThat(request.trigger()).isEqualTo(Trigger.chainStep("month-end-2026-03", "invoicing"));
    assertThat(request.runId()).isEqualTo(RunId.forChainStep("month-end-2026-03", "invoicing", 2));
    assertThat(RunId.forChainStep("month-end-2026-03", "invoicing", 1))
        .isNotEqualTo(request.runId());
    assertThat(violations("/schemas/job-request.schema.json", fixture)).isEmpty();
  }

  @Test
  void jobRequestFixtureRoundTripsAndMatchesItsSchema() throws IOException {
    JsonNode fixture = read("/fixtures/job-request.json");
    JobRequest request = roundTrip(Topics.REQUESTS, fixture);

    assertThat(request.runId()).isEqualTo(RunId.of("4f1c2e9a-8a53-4d6c-9a43-7a3f8f6c2b10"));
    assertThat(request.scope()).isEqualTo(Scope.TENANT);
    assertThat(request.trigger().type()).isEqualTo(TriggerType.SCHEDULE);
    assertThat(request.trigger().nominalTime()).isEqualTo(Instant.parse("2026-03-31T22:00:00Z"));
    assertThat(request.params().get("period").asText()).isEqualTo("2026-03");
    assertThat(violations("/schemas/job-request.schema.json", fixture)).isEmpty();
  }

  @Test
  void runEventFixtureRoundTripsAndMatchesItsSchema() throws IOException {
    JsonNode fixture = read("/fixtures/run-event.json");
    RunEvent event = roundTrip(Topics.EVENTS, fixture);

    assertThat(event.type()).isEqualTo(EventType.PROGRESS);
    assertThat(event.seq()).isEqualTo(3);
    assertThat(event.payload().get("percentage").asInt()).isEqualTo(50);
    assertThat(violations("/schemas/run-event.schema.json", fixture)).isEmpty();
  }

  @Test
  void controlFixtureRoundTrips() throws IOException {
    Control control = roundTrip(Topics.CONTROL, read("/fixtures/control.json"));
    assertThat(control.action()).isEqualTo(Control.CANCEL);
  }

  @Test
  void schemaRejectsARequestWithoutJobName() throws IOException {
    JsonNode bad = Json.mapper().readTree("{\"tenant_id\":\"t1\",\"scope\":\"galaxy\"}");
    assertThat(violations("/schemas/job-request.schema.json", bad))
        .anyMatch(m -> m.contains("job_name"))
        .anyMatch(m -> m.contains("scope"));
  }

  @Test
  void outsideProducersMaySendOnlyTheJobName() {
    JobRequest minimal =
        Topics.REQUESTS
            .valueSerde()
            .deserializer()
            .deserialize("t", "{\"job_name\":\"noop\"}".getBytes());
    assertThat(minimal.jobName()).isEqualTo("noop");
    assertThat(minimal.runId()).isNull();
    assertThat(minimal.partitionKey()).isEqualTo(JobRequest.SYSTEM_TENANT);
  }

  @Test
  void derivedRunIdsAreStableForTheSameTrigger() {
    Instant at = Instant.parse("2026-03-01T00:00:00Z");
    assertThat(RunId.forSchedule("nightly", at)).isEqualTo(RunId.forSchedule("nightly", at));
    assertThat(RunId.forSchedule("nightly", at))
        .isNotEqualTo(RunId.forSchedule("nightly", at.plusSeconds(60)));
    assertThat(RunId.forRecord("jobline.requests", 3, 17))
        .isEqualTo(RunId.forRecord("jobline.requests", 3, 17))
        .isNotEqualTo(RunId.forRecord("jobline.requests", 3, 18));
  }

  private static <V> V roundTrip(Topic<String, V> topic, JsonNode fixture) throws IOException {
    byte[] bytes = Json.mapper().writeValueAsBytes(fixture);
    V value = topic.valueSerde().deserializer().deserialize(topic.name(), bytes);
    byte[] again = topic.valueSerde().serializer().serialize(topic.name(), value);
    assertThat(Json.mapper().readTree(again)).isEqualTo(fixture);
    return value;
  }

  private static List<String> violations(String schema, JsonNode node) throws IOException {
    var factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    return factory.getSchema(read(schema)).validate(node).stream()
        .map(m -> m.getMessage())
        .toList();
  }

  private static JsonNode read(String resource) throws IOException {
    try (InputStream in = WireContractTest.class.getResourceAsStream(resource)) {
      return Json.mapper().readTree(in);
    }
  }
}
