package io.jobline.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.jobline.topic.Topics;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;

/** What history sets aside at a commit is on the dead-letter topic before the commit goes on. */
class DirectDeadLettersTest {
  private static Record<String, byte[]> setAside(String runId) {
    Record<String, byte[]> r = new Record<>(runId, "{}".getBytes(StandardCharsets.UTF_8), 42L);
    r.headers().add(Topics.DLQ_REASON_HEADER, "why".getBytes(StandardCharsets.UTF_8));
    return r;
  }

  @Test
  void sendsEachToTheDeadLetterTopicWithItsKeyHeadersAndTimeAndWaitsForTheAcks() {
    MockProducer<String, byte[]> producer =
        new MockProducer<>(false, null, new StringSerializer(), new ByteArraySerializer());
    DirectDeadLetters direct = new DirectDeadLetters(producer);
    CompletableFuture<Void> sending =
        CompletableFuture.runAsync(() -> direct.accept(List.of(setAside("r1"), setAside("r2"))));
    await().until(() -> producer.history().size() == 2);
    assertThat(sending).isNotDone(); // (not before the brokers acknowledged them)
    producer.completeNext();
    producer.completeNext();
    sending.join();

    ProducerRecord<String, byte[]> first = producer.history().get(0);
    assertThat(first.topic()).isEqualTo(Topics.HISTORY_DLQ.name());
    assertThat(first.key()).isEqualTo("r1");
    assertThat(first.timestamp()).isEqualTo(42L);
    assertThat(first.headers().lastHeader(Topics.DLQ_REASON_HEADER).value())
        .isEqualTo("why".getBytes(StandardCharsets.UTF_8));
    assertThat(producer.history().get(1).key()).isEqualTo("r2");
  }

  @Test
  void aSendThatFailsThrowsSoTheCommitFailsToo() {
    MockProducer<String, byte[]> producer =
        new MockProducer<>(false, null, new StringSerializer(), new ByteArraySerializer());
    DirectDeadLetters direct = new DirectDeadLetters(producer);
    CompletableFuture<Void> sending =
        CompletableFuture.runAsync(() -> direct.accept(List.of(setAside("r1"))));
    await().until(() -> producer.history().size() == 1);
    producer.errorNext(new TimeoutException("brokers away"));
    assertThatThrownBy(sending::join)
        .hasCauseInstanceOf(HistoryException.class)
        .hasRootCauseMessage("brokers away");
  }

  @Test
  void theSameRecordSetAsideAgainIsNotSentAgain() {
    // found by review: a run whose stripped copy MongoDB refused too was folded, refused and sent
    // again with every attempt at its commit, for ever
    MockProducer<String, byte[]> producer =
        new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
    DirectDeadLetters direct = new DirectDeadLetters(producer);
    direct.accept(List.of(setAside("r1")));
    direct.accept(List.of(setAside("r1"), setAside("r2")));
    assertThat(producer.history()).extracting(ProducerRecord::key).containsExactly("r1", "r2");
  }
}
