package io.jobline.executor;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.topic.Topics;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
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
    assertThat(h.dispatcher.take(p -> true))
        .extracting(p -> p.request().runId().value())
        .containsExactly("r");
  }

  @Test
  void aBadRecordOfARunUnknownHereEndsThatRunFailed() {
    h.reader.accept(ReaderHarness.request(0, "r", "counting"));
    h.reader.accept(ReaderHarness.request(1, "s", "no-such-job"));

    assertThat(h.events.isEmpty()).as("the failure of run s").isFalse();
  }
}
