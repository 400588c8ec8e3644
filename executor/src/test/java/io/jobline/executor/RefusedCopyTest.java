package io.jobline.executor;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.topic.DeadLetter;
import io.jobline.topic.Topics;
import io.jobline.wire.RunEvent;
import io.jobline.wire.WireLimits;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/**
 * A record refused whose run attempt runs, waits or moved aside here is a bad copy of a good
 * request: it goes to the dead-letter topic and the run goes on; only a refused record of a run
 * unknown here ends that run failed.
 */
class RefusedCopyTest {
  private final ReaderHarness h = new ReaderHarness(0);

  private static String header(ProducerRecord<byte[], byte[]> r, String name) {
    var h = r.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  @Test
  void aBadCopyOfARequestWaitingHereIsDeadLetteredAndItsRunGoesOn() {
    // found by review: the refusal published the run's failure; the good copy then ran and
    // completed, and its end changed nothing in history, which showed the run failed
    h.reader.accept(ReaderHarness.request(0, "r", "counting"));
    h.reader.accept(ReaderHarness.request(1, "r", "no-such-job"));

    assertThat(h.events.isEmpty()).as("no failure of the run").isTrue();
    List<ProducerRecord<byte[], byte[]>> sent = h.committed();
    assertThat(sent).extracting(ProducerRecord::topic).containsExactly(Topics.REQUESTS_DLQ.name());
    assertThat(header(sent.get(0), Topics.DLQ_REASON_HEADER))
        .contains("no-such-job")
        .endsWith("; its run attempt goes on here as its other copy says");
    assertThat(header(sent.get(0), Topics.DLQ_RUN_HEADER)).isEqualTo(DeadLetter.RUN_ELSEWHERE);
    assertThat(h.dispatcher.take(p -> true))
        .extracting(p -> p.request().runId().value())
        .containsExactly("r");
  }

  @Test
  void aBadRecordOfARunUnknownHereEndsThatRunFailed() {
    h.reader.accept(ReaderHarness.request(0, "r", "counting"));
    h.reader.accept(ReaderHarness.request(1, "s", "no-such-job"));

    assertThat(h.events.isEmpty()).as("the failure of run s").isFalse();
    h.events.drain(new Fences(), voided -> {});
    assertThat(header(h.committed().get(0), Topics.DLQ_RUN_HEADER))
        .isEqualTo(DeadLetter.RUN_FAILED);
  }

  @Test
  void aRecordNamingNoRunIsDeadLetteredSayingNoRunWasEndedWhateverItCarried() {
    // found by review: history never shows a run for it, and a redrive waited for one for good;
    // the record's own header of that name does not speak for the executor
    RecordHeaders forged = new RecordHeaders();
    forged.add(Topics.DLQ_RUN_HEADER, DeadLetter.RUN_FAILED.getBytes(StandardCharsets.UTF_8));
    ConsumerRecord<byte[], byte[]> broken =
        new ConsumerRecord<>(
            ReaderHarness.MAIN.topic(),
            ReaderHarness.MAIN.partition(),
            0,
            0L,
            TimestampType.CREATE_TIME,
            2,
            30,
            "t1".getBytes(StandardCharsets.UTF_8),
            "{\"job_name\":\"counting\",\"tenant".getBytes(StandardCharsets.UTF_8),
            forged,
            Optional.empty());
    h.reader.accept(broken);

    assertThat(h.events.isEmpty()).as("no failure").isTrue();
    List<ProducerRecord<byte[], byte[]>> sent = h.committed();
    assertThat(sent).extracting(ProducerRecord::topic).containsExactly(Topics.REQUESTS_DLQ.name());
    assertThat(header(sent.get(0), Topics.DLQ_REASON_HEADER)).startsWith("unparseable");
    assertThat(header(sent.get(0), Topics.DLQ_RUN_HEADER)).isEqualTo(DeadLetter.RUN_NONE);
  }

  @Test
  void aRequestWhoseRunIdIsNoUnicodeIsDeadLetteredWithNoFailure() {
    // found by review: its failure was keyed by the id's UTF-8 bytes ("r?x"), another run than the
    // one history held the request under, which then read queued for ever
    h.reader.accept(
        ReaderHarness.record(
            0,
            "{\"run_id\":\"r\\ud800x\",\"job_name\":\"counting\",\"tenant_id\":\"t1\"}"
                .getBytes(StandardCharsets.UTF_8)));

    assertThat(h.events.drain(new Fences(), voided -> {})).as("no run failed").isEmpty();
    List<ProducerRecord<byte[], byte[]>> sent = h.committed();
    assertThat(sent).extracting(ProducerRecord::topic).containsExactly(Topics.REQUESTS_DLQ.name());
    assertThat(header(sent.get(0), Topics.DLQ_REASON_HEADER))
        .startsWith("cannot be carried: run_id: text is not valid Unicode")
        .endsWith(
            "its run_id is not valid Unicode: a lone surrogate U+D800 at character 1, so no"
                + " run of it is failed");
    assertThat(header(sent.get(0), Topics.DLQ_RUN_HEADER)).isEqualTo(DeadLetter.RUN_NONE);
  }

  @Test
  void aRecordTooLargeToRunWhoseRunIdCannotBeCarriedIsDeadLetteredWithNoFailure() {
    // found by review: the failure of a run id salvaged from a record of a megabyte, keyed by it,
    // was over Kafka's largest record: the transaction failed, and the record was read and refused
    // again for good
    String id = "r".repeat(200_000);
    String tenant = "t".repeat(200_000);
    h.reader.accept(
        ReaderHarness.record(
            0,
            ("{\"run_id\":\""
                    + id
                    + "\",\"job_name\":\"counting\",\"tenant_id\":\""
                    + tenant
                    + "\"}")
                .getBytes(StandardCharsets.UTF_8)));
    // one at the bound fails its run, with its names cut
    String longest = "s".repeat(WireLimits.MAX_ID_CHARS);
    h.reader.accept(
        ReaderHarness.record(
            1,
            ("{\"run_id\":\""
                    + longest
                    + "\",\"job_name\":\"counting\",\"tenant_id\":\""
                    + tenant
                    + "\",\"pad\":\""
                    + "x".repeat(WireLimits.MAX_REQUEST_BYTES)
                    + "\"}")
                .getBytes(StandardCharsets.UTF_8)));

    List<EventPublisher.Outgoing> failures = h.events.drain(new Fences(), voided -> {});
    List<ProducerRecord<byte[], byte[]>> sent = h.committed();
    assertThat(sent)
        .extracting(ProducerRecord::topic)
        .containsExactly(Topics.REQUESTS_DLQ.name(), Topics.REQUESTS_DLQ.name());
    assertThat(header(sent.get(0), Topics.DLQ_REASON_HEADER))
        .startsWith("too large")
        .contains("its run_id is 200000 characters long")
        .endsWith("so no run of it is failed");
    assertThat(header(sent.get(0), Topics.DLQ_RUN_HEADER)).isEqualTo(DeadLetter.RUN_NONE);
    assertThat(header(sent.get(1), Topics.DLQ_RUN_HEADER)).isEqualTo(DeadLetter.RUN_FAILED);
    assertThat(failures).hasSize(1);
    RunEvent failure = failures.get(0).event();
    assertThat(failure.runId().value()).isEqualTo(longest);
    assertThat(Topics.EVENTS.valueSerde().serializer().serialize("e", failure).length)
        .isLessThan(4_000);
  }
}
