package io.jobline.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobline.topic.Topics;
import io.jobline.wire.RunId;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * A run another service produces straight to {@code jobline.requests}, with only {@code job_name}.
 */
class TopicSubmissionTest {
  @Test
  void aRunProducedStraightToTheTopicWasRequestedWhenItsRecordWasAcceptedAndListsAmongTheOthers()
      throws Exception {
    Standalone standalone = SharedStandalone.get();
    Http http = new Http(standalone.apiUrl());
    String tenant = "topic-" + UUID.randomUUID();
    String viaApi =
        http.post("/jobs/run/noop", "{\"tenant_id\":\"" + tenant + "\"}")
            .body()
            .path("run_id")
            .asText();
    EndToEndTest.awaitRun(http, viaApi, "completed");

    RecordMetadata accepted;
    try (var producer =
        new KafkaProducer<>(
            standalone.config().kafka.clientProperties(),
            new ByteArraySerializer(),
            new ByteArraySerializer())) {
      accepted =
          producer
              .send(
                  new ProducerRecord<>(
                      Topics.REQUESTS.name(),
                      tenant.getBytes(StandardCharsets.UTF_8),
                      ("{\"job_name\":\"noop\",\"tenant_id\":\"" + tenant + "\"}")
                          .getBytes(StandardCharsets.UTF_8)))
              .get();
    }
    String viaTopic =
        RunId.forRecord(Topics.REQUESTS.name(), accepted.partition(), accepted.offset()).value();

    JsonNode run = EndToEndTest.awaitRun(http, viaTopic, "completed");
    assertThat(run.path("trigger").path("type").asText()).isEqualTo("topic");
    assertThat(Instant.parse(run.path("requested_at").asText()))
        .isEqualTo(Instant.ofEpochMilli(accepted.timestamp()));
    assertThat(ids(http.get("/jobs/runs?tenant=" + tenant).body()))
        .as("newest first")
        .containsExactly(viaTopic, viaApi);
    assertThat(ids(http.get("/jobs/runs?tenant=" + tenant + "&sort=requested_at").body()))
        .as("oldest first")
        .containsExactly(viaApi, viaTopic);
  }

  private static List<String> ids(JsonNode page) {
    List<String> ids = new ArrayList<>();
    page.path("runs").forEach(r -> ids.add(r.path("run_id").asText()));
    return ids;
  }
}
