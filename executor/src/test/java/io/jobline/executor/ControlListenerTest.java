package io.jobline.executor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.jobline.topic.Topics;
import io.jobline.wire.Control;
import io.jobline.wire.RunId;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** The executor's reader of cancels, on the shared broker. */
class ControlListenerTest {
  private final ExecutorHarness h = ExecutorHarness.get();

  private void cancel(List<RunId> runs) {
    try (var producer =
        new KafkaProducer<>(
            h.kafkaSettings.clientProperties(),
            Topics.CONTROL.keySerde().serializer(),
            Topics.CONTROL.valueSerde().serializer())) {
      for (RunId run : runs) {
        producer.send(
            new ProducerRecord<>(
                Topics.CONTROL.name(),
                run.value(),
                new Control(run, Control.CANCEL, Instant.now(), "test", null)));
      }
      producer.flush();
    }
  }

  @Test
  void onceItSaysTheTopicIsReadEveryCancelOnItIsKnown() throws Exception {
    // found by review: a starting executor took requests before it had read the cancels on the
    // topic, so a run cancelled while it was down started, then stopped part-way
    List<RunId> runs = new ArrayList<>();
    for (int i = 0; i < 3_000; i++) {
      runs.add(RunId.of("control-test-" + UUID.randomUUID()));
    }
    cancel(runs);

    try (ControlListener listener =
        new ControlListener(h.kafkaSettings, "control-test", (run, attempt) -> {})) {
      listener.start();
      assertThat(listener.awaitReplay(Duration.ofSeconds(60))).isTrue();
      assertThat(runs).allMatch(run -> listener.isCancelled(run.value(), 1));

      RunId later = RunId.of("control-test-later-" + UUID.randomUUID());
      assertThat(listener.isCancelled(later.value(), 1)).isFalse();
      cancel(List.of(later));
      await().atMost(Duration.ofSeconds(30)).until(() -> listener.isCancelled(later.value(), 1));
    }
  }
}
