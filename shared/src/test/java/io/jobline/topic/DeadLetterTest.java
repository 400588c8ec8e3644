package io.jobline.topic;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.store.DeadLetterStore;
import io.jobline.store.InMemoryDeadLetterStore;
import io.jobline.wire.Json;
import io.jobline.wire.RunId;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class DeadLetterTest {
  private static ConsumerRecord<byte[], byte[]> record(
      String topic, long offset, String key, String value, String reason, String source) {
    RecordHeaders headers = new RecordHeaders();
    headers.add(Topics.DLQ_REASON_HEADER, reason.getBytes(StandardCharsets.UTF_8));
    headers.add(Topics.DLQ_SOURCE_HEADER, source.getBytes(StandardCharsets.UTF_8));
    return new ConsumerRecord<>(
        topic,
        3,
        offset,
        1_764_000_000_000L,
        TimestampType.CREATE_TIME,
        -1,
        -1,
        key == null ? null : key.getBytes(StandardCharsets.UTF_8),
        value == null ? null : value.getBytes(StandardCharsets.UTF_8),
        headers,
        Optional.empty());
  }

  @Test
  void aBlankRunIdOrTenantIsReadAsNoneGiven() {
    // found by review: a blank run_id was kept, and the letter's redrive answered 500 for good
    DeadLetter d =
        DeadLetter.of(
            record(
                "jobline.requests.dlq",
                8,
                "acme",
                "{\"run_id\":\" \",\"job_name\":\"x\",\"tenant_id\":\"\"}",
                "unparseable: run id must not be blank",
                "jobline.requests/5/43"));

    assertThat(d.runId())
        .as("the id derived from where the record lay")
        .isEqualTo(RunId.forRecord("jobline.requests", 5, 43).value());
    assertThat(d.tenantId()).as("from its key").isEqualTo("acme");
    assertThat(d.jobName()).isEqualTo("x");
  }

  @Test
  void aRefusedRequestIsReadWithItsReasonSourceAndTenantFromItsKeyWhenTheValueNamesNone() {
    DeadLetter d =
        DeadLetter.of(
            record(
                "jobline.requests.dlq",
                7,
                "acme",
                "{\"job_name\":\"x\",\"params\":",
                "unparseable: end of input",
                "jobline.requests/5/42"));

    assertThat(d.id()).isEqualTo("jobline.requests.dlq:3:7");
    assertThat(d.reason()).isEqualTo("unparseable: end of input");
    assertThat(d.sourceTopic()).isEqualTo("jobline.requests");
    assertThat(d.sourcePartition()).isEqualTo(5);
    assertThat(d.sourceOffset()).isEqualTo(42L);
    assertThat(d.tenantId()).isEqualTo("acme");
    assertThat(d.jobName()).isEqualTo("x");
    assertThat(d.runId())
        .as("the id the executor derived")
        .isEqualTo(RunId.forRecord("jobline.requests", 5, 42).value());
    assertThat(d.time()).isEqualTo(Instant.ofEpochMilli(1_764_000_000_000L));
    assertThat(d.redriven()).isFalse();
  }

  @Test
  void aFieldGivenTwiceIsReadAsItsLastValueAsTheExecutorReadsIt() {
    DeadLetter notText =
        DeadLetter.of(
            record(
                "jobline.requests.dlq",
                8,
                "fuzz",
                "{\"tenant_id\":\"acme\",\"job_name\":\"x\",\"tenant_id\":{}}",
                "invalid tenant_id",
                "jobline.requests/5/43"));
    DeadLetter twice =
        DeadLetter.of(
            record(
                "jobline.requests.dlq",
                9,
                "fuzz",
                "{\"tenant_id\":\"acme\",\"tenant_id\":\"t2\"}",
                "no job_name",
                "jobline.requests/5/44"));

    assertThat(notText.tenantId()).as("the key's tenant, not the first value's").isEqualTo("fuzz");
    assertThat(notText.jobName()).isEqualTo("x");
    assertThat(twice.tenantId()).isEqualTo("t2");
  }

  @Test
  void aRunSetAsideByHistoryIsKeyedByItsRunId() {
    DeadLetter d =
        DeadLetter.of(
            record(
                "jobline.history.dlq",
                0,
                "run-1",
                "{\"tenant_id\":\"t1\"}",
                "refused by the store",
                "history"));

    assertThat(d.runId()).isEqualTo("run-1");
    assertThat(d.tenantId()).isEqualTo("t1");
    assertThat(d.sourceTopic()).isEqualTo("history");
    assertThat(d.sourceOffset()).isNull();
  }

  @Test
  void roundTripsThroughJsonAndKeepsItsRedrivesWhenWrittenAgain() throws Exception {
    DeadLetter d =
        DeadLetter.of(
            record("jobline.requests.dlq", 1, "t1", "{\"job_name\":\"noop\"}", "r", "s/1/1"));
    assertThat(Json.mapper().readValue(Json.mapper().writeValueAsString(d), DeadLetter.class))
        .isEqualTo(d);

    InMemoryDeadLetterStore store = new InMemoryDeadLetterStore();
    store.putAll(List.of(d));
    store.redriven(d.id(), new DeadLetter.Redrive(Instant.EPOCH, "admin", "run-9", 2, true));
    store.putAll(List.of(d));

    assertThat(store.find(d.id()).orElseThrow().redrives()).hasSize(1);
    assertThat(store.list(new DeadLetterStore.Query("t1", null, null, true, null, 10))).hasSize(1);
    assertThat(store.list(new DeadLetterStore.Query("t1", null, null, false, null, 10))).isEmpty();
  }
}
