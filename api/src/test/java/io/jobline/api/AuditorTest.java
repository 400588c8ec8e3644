package io.jobline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.run.AuditEntry;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** An audit entry Kafka does not take never fails the request whose change is made. */
class AuditorTest {
  @Test
  void anEntryThatCannotBeSentIsSentAgainInTheBackgroundAndTheCallerIsNotFailed() {
    // found by review: the failed send answered 503 "nothing was changed" after the run had been
    // sent, and a client that sent the request again started a second run
    List<RunEvent> sent = new CopyOnWriteArrayList<>();
    AtomicInteger failuresLeft = new AtomicInteger(1);
    Auditor auditor =
        new Auditor(
            e -> {
              if (failuresLeft.getAndDecrement() > 0) {
                throw new IllegalStateException("Kafka: NOT_ENOUGH_REPLICAS");
              }
              sent.add(e);
            },
            Clock.fixed(Instant.parse("2026-12-06T12:00:00Z"), ZoneOffset.UTC),
            Duration.ofMillis(10));

    auditor.record(null, "trigger", "schedule", "nightly", "t1", null);
    auditor.record(null, "delete", "schedule", "weekly", "t1", null);

    await().atMost(Duration.ofSeconds(10)).until(() -> sent.size() == 2);
    assertThat(sent)
        .extracting(e -> AuditEntry.from(e).target())
        .as("in the order made")
        .containsExactly("nightly", "weekly");
    assertThat(auditor.waiting()).isZero();
  }

  @Test
  void detailsLargerThanAnEntryMayCarryAreRecordedAsTheirSizeAndFieldsAndTheEntryIsSent() {
    // found by review: a schedule's 1 MiB PATCH made an entry Kafka takes in no record; it waited
    // at the head of the queue for good, and every later entry of the api behind it
    List<RunEvent> sent = new CopyOnWriteArrayList<>();
    Auditor auditor =
        new Auditor(
            e -> {
              if (e.toString().length() > 1_000_000) {
                throw new IllegalStateException("RecordTooLargeException");
              }
              sent.add(e);
            },
            Clock.fixed(Instant.parse("2026-12-06T12:00:00Z"), ZoneOffset.UTC),
            Duration.ofMillis(10));
    ObjectNode patch = Json.object().put("description", "x".repeat(1_040_000));
    patch.putArray("chain").add("noop");
    ObjectNode small = Json.object().put("description", "y".repeat(Auditor.MAX_DETAILS_BYTES - 20));

    auditor.record(null, "change", "schedule", "nightly", "t1", patch);
    auditor.record(null, "change", "schedule", "weekly", "t1", small);

    assertThat(auditor.waiting()).isZero();
    assertThat(sent).hasSize(2);
    JsonNode recorded = AuditEntry.from(sent.get(0)).details();
    assertThat(recorded.path("left_out_bytes").asInt()).isEqualTo(patch.toString().length());
    assertThat(recorded.path("fields").toString()).isEqualTo("[\"description\",\"chain\"]");
    assertThat(AuditEntry.from(sent.get(1)).details()).isEqualTo(small);
  }

  @Test
  void anEntryKafkaDoesNotAnswerHoldsTheRequestAMomentOnlyAndIsSentAgainLater() {
    // found by review: the request waited for Kafka's 30 s on its audit entry after its change was
    // made (a trigger sent), and a client that gave up and sent it again triggered it twice
    List<RunEvent> sends = new CopyOnWriteArrayList<>();
    AtomicBoolean answers = new AtomicBoolean();
    Auditor auditor =
        Auditor.sending(
            e -> {
              sends.add(e);
              return answers.get()
                  ? CompletableFuture.completedFuture(null)
                  : new CompletableFuture<Void>();
            },
            Clock.fixed(Instant.parse("2026-12-06T08:00:00Z"), ZoneOffset.UTC),
            Duration.ofMillis(200));
    try {
      long t0 = System.nanoTime();
      auditor.record(null, "trigger", "schedule", "nightly", "t1", null);
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
      assertThat(auditor.waiting()).as("sent again in the background").isEqualTo(1);

      answers.set(true);
      await().atMost(Duration.ofSeconds(20)).until(() -> auditor.waiting() == 0);
      assertThat(sends).hasSizeGreaterThanOrEqualTo(2);
      assertThat(AuditEntry.from(sends.get(sends.size() - 1)).auditId())
          .as("the same entry, sent again")
          .isEqualTo(AuditEntry.from(sends.get(0)).auditId());
    } finally {
      auditor.close();
    }
  }

  @Test
  void entriesStillWaitingAtCloseAreSentThen() {
    List<RunEvent> sent = new CopyOnWriteArrayList<>();
    AtomicBoolean down = new AtomicBoolean(true);
    Auditor auditor =
        new Auditor(
            e -> {
              if (down.get()) {
                throw new IllegalStateException("Kafka: timed out");
              }
              sent.add(e);
            },
            Clock.fixed(Instant.parse("2026-12-06T12:00:00Z"), ZoneOffset.UTC),
            Duration.ofHours(1)); // (the background retries would not come in time)
    auditor.record(null, "trigger", "schedule", "nightly", "t1", null);
    auditor.record(null, "delete", "schedule", "weekly", "t1", null);
    assertThat(auditor.waiting()).isEqualTo(2);
    down.set(false); // (Kafka is back as the api stops)

    auditor.close();

    assertThat(sent)
        .extracting(e -> AuditEntry.from(e).target())
        .containsExactly("nightly", "weekly");
  }
}
