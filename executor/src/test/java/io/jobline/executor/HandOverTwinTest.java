package io.jobline.executor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.jobline.topic.Topics;
import io.jobline.wire.EventType;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;
import io.jobline.wire.RunId;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * A partition taken over while its previous owner still runs an attempt: every copy of that attempt
 * read here waits for the previous owner's claim, not only the record the owner's note names.
 */
class HandOverTwinTest {
  private static final Instant HELD_UNTIL = ReaderHarness.T0.plusSeconds(30);

  private final ReaderHarness h =
      new ReaderHarness(
          100,
          new ClaimsAnswering(
              n ->
                  new ClaimStore.Claim(
                      ClaimStore.Outcome.HELD_ELSEWHERE, 4, HELD_UNTIL, null, false)));

  /** Takes the main lane's partition 0 over from an owner whose note says offset 5 still runs. */
  private void takenOverWhileOffset5Runs() {
    takenOverWhileOffset5Runs(h);
  }

  private static void takenOverWhileOffset5Runs(ReaderHarness h) {
    OwnedPartition o = new OwnedPartition(ReaderHarness.MAIN);
    o.leased = true;
    o.epoch = 5;
    o.hold = new Hold(ReaderHarness.T0.plusSeconds(60));
    o.noteRunning.put(5L, "r:1");
    o.elsewhere.putAll(o.noteRunning);
    o.readSinceTaken = true; // (reading started at the commit, at or below offset 5)
    h.owned.put(ReaderHarness.MAIN, o);
  }

  private List<Pending> waitingAfterAPass() {
    h.dispatcher.dispatchOnce();
    return h.dispatcher.take(p -> true);
  }

  @Test
  void aCopyReadAfterTheRecordNamedWaitsForThePreviousOwnersClaim() {
    // found by review: the copy (a fire sent again, say) named no claim, started at once here while
    // the previous owner still ran the attempt, and the attempt ran on two executors at once
    takenOverWhileOffset5Runs();
    h.reader.accept(ReaderHarness.request(5, "r", "counting"));
    h.reader.accept(ReaderHarness.request(9, "r", "counting"));

    List<Pending> waiting = waitingAfterAPass();

    assertThat(waiting).extracting(Pending::offset).containsExactly(5L, 9L);
    assertThat(waiting).extracting(Pending::elsewhere).containsOnly("r:1");
    assertThat(waiting)
        .extracting(Pending::notBefore)
        .as("both wait until the claim may have lapsed")
        .containsOnly(HELD_UNTIL.plusMillis(50));
  }

  @Test
  void theNotesOffsetsBelowTheFirstReadAreOverAndDropped() {
    // (a note stays with the lease until another replaces it: what it names below where reading
    // starts, the commit, finished long ago)
    takenOverWhileOffset5Runs();
    OwnedPartition o = h.owned.get(ReaderHarness.MAIN);
    o.readSinceTaken = false; // (the lease just taken, with a note that named offset 2 too)
    o.noteRunning.put(2L, "old:1");
    o.elsewhere.put(2L, "old:1");
    o.noteFinished.add(1L);
    o.skip.add(1L);

    h.reader.accept(ReaderHarness.request(4, "other", "counting"));
    h.reader.accept(ReaderHarness.request(6, "old", "counting"));
    h.reader.accept(ReaderHarness.request(1, "again", "counting"));

    assertThat(o.noteRunning).containsExactly(Map.entry(5L, "r:1"));
    assertThat(o.noteFinished).isEmpty();
    assertThat(h.dispatcher.take(p -> true))
        .extracting(Pending::offset, Pending::elsewhere)
        .as("a copy of a run the old note named no longer waits for its claim; offset 1 is run")
        .containsExactly(tuple(4L, null), tuple(6L, null), tuple(1L, null));
  }

  @Test
  void aNoteIsDroppedWholeWhenReadingStartsBelowTheCommitItsWriterKnew() {
    // found by review: kept with the lease until the next note, a note outlived a topic made
    // again, whose new records at the offsets it named were skipped as finished or waited on a
    // claim of another run
    takenOverWhileOffset5Runs();
    OwnedPartition o = h.owned.get(ReaderHarness.MAIN);
    o.readSinceTaken = false;
    o.noteBase = 4; // (its writer had committed offset 4; the note names 5 running and 6 finished)
    o.noteFinished.add(6L);
    o.skip.add(6L);

    h.reader.accept(ReaderHarness.request(0, "new-0", "counting"));
    h.reader.accept(ReaderHarness.request(5, "new-5", "counting"));
    h.reader.accept(ReaderHarness.request(6, "new-6", "counting"));

    assertThat(o.noteRunning).isEmpty();
    assertThat(h.dispatcher.take(p -> true))
        .extracting(Pending::offset, Pending::elsewhere)
        .containsExactly(tuple(0L, null), tuple(5L, null), tuple(6L, null));
  }

  @Test
  void aCopyReadBeforeTheRecordNamedWaitsForItToo() {
    // (the previous owner ran the later copy: the earlier one waited there, on a cap say)
    takenOverWhileOffset5Runs();
    h.reader.accept(ReaderHarness.request(3, "r", "counting"));
    h.reader.accept(ReaderHarness.request(5, "r", "counting"));

    assertThat(waitingAfterAPass())
        .extracting(Pending::offset, Pending::elsewhere)
        .containsExactly(tuple(3L, "r:1"), tuple(5L, "r:1"));
  }

  @Test
  void anotherRunOfTheTenantIsNotHeldBack() {
    takenOverWhileOffset5Runs();
    h.reader.accept(ReaderHarness.request(9, "s", "counting"));

    assertThat(h.dispatcher.take(p -> true)).extracting(Pending::elsewhere).containsOnlyNulls();
  }

  @Test
  void theEndTheClaimHoldsIsPublishedOnceForAllCopiesAndFinishesThemWhenSent() {
    // found by review: every copy naming the claim went through the takeover and published the
    // end again, with a fan-out's children and a retry timer each time
    RunEvent end =
        new RunEvent(
            RunId.of("r"),
            3,
            EventType.COMPLETED,
            ReaderHarness.T0,
            "exec-b",
            1,
            6,
            Json.object().put("result", "ok"));
    String json =
        new String(
            Topics.EVENTS.valueSerde().serializer().serialize(Topics.EVENTS.name(), end),
            StandardCharsets.UTF_8);
    ReaderHarness done =
        new ReaderHarness(
            100,
            new ClaimsAnswering(
                n -> new ClaimStore.Claim(ClaimStore.Outcome.ALREADY_DONE, 6, null, json, false)));
    takenOverWhileOffset5Runs(done);
    done.reader.accept(ReaderHarness.request(5, "r", "counting"));
    done.reader.accept(ReaderHarness.request(9, "r", "counting"));
    done.dispatcher.dispatchOnce();

    List<EventPublisher.Outgoing> out = done.events.drain(new Fences(), voided -> {});
    assertThat(out).extracting(o -> o.event().type()).containsExactly(EventType.COMPLETED);
    assertThat(done.dispatcher.take(p -> true)).as("none waits").isEmpty();
    assertThat(done.offsets.inFlight()).as("both open until the end is sent").isEqualTo(2);
    out.get(0).sent().run();
    assertThat(done.offsets.inFlight()).isZero();
  }

  @Test
  void aBadCopyOfAnAttemptThePreviousOwnerStillRunsFailsNothing() {
    // found by review: its refusal published the attempt failed while the previous owner ran it
    takenOverWhileOffset5Runs();
    h.reader.accept(ReaderHarness.request(9, "r", "no-such-job"));

    assertThat(h.events.isEmpty()).as("no failure of the run").isTrue();
    List<ProducerRecord<byte[], byte[]>> sent = h.committed();
    assertThat(sent).extracting(ProducerRecord::topic).containsExactly(Topics.REQUESTS_DLQ.name());
    assertThat(
            new String(
                sent.get(0).headers().lastHeader(Topics.DLQ_REASON_HEADER).value(),
                StandardCharsets.UTF_8))
        .endsWith(
            "; its run attempt goes on at the partition's previous owner, which ran another copy");
  }

  /** A harness whose claims answer {@code answers} in turn, taken over while offset 5 runs. */
  private static ReaderHarness answering(ClaimStore.Claim... answers) {
    ReaderHarness harness = new ReaderHarness(100, new ClaimsAnswering(n -> answers[n]));
    takenOverWhileOffset5Runs(harness);
    return harness;
  }

  private static final Duration TTL = Duration.ofSeconds(30);

  /** Held until a moment ago: asked again at once. */
  private static final ClaimStore.Claim HELD =
      new ClaimStore.Claim(
          ClaimStore.Outcome.HELD_ELSEWHERE, 4, ReaderHarness.T0.minusSeconds(1), null, false);

  @Test
  void theRecordTheNoteNamesRefusedWaitsForTheClaimAndFailsNothingTheOwnerEnded() {
    // found by review: refused at once, its failure (epoch 0, which history takes over any) failed
    // a run the previous owner then completed
    RunEvent end =
        new RunEvent(
            RunId.of("r"), 3, EventType.COMPLETED, ReaderHarness.T0, "exec-b", 1, 6, Json.object());
    ReaderHarness w =
        answering(
            HELD,
            new ClaimStore.Claim(
                ClaimStore.Outcome.ALREADY_DONE,
                6,
                null,
                new String(
                    Topics.EVENTS.valueSerde().serializer().serialize(Topics.EVENTS.name(), end),
                    StandardCharsets.UTF_8),
                false));
    w.reader.accept(ReaderHarness.request(5, "r", "no-such-job"));
    assertThat(w.events.isEmpty()).as("nothing while the owner runs it").isTrue();

    w.reader.refusals().retryOnClaims(w.claims, TTL);
    assertThat(w.events.isEmpty()).isTrue();
    w.reader.refusals().retryOnClaims(w.claims, TTL);

    assertThat(w.events.drain(new Fences(), voided -> {}))
        .extracting(o -> o.event().type())
        .as("the owner's end, published again")
        .containsExactly(EventType.COMPLETED);
    assertThat(w.reader.refusals().onClaims()).isZero();
  }

  @Test
  void theRecordTheNoteNamesRefusedEndsItsRunFailedWhenTheOwnerLeftNoEnd() {
    // (no other request of the attempt waits on the claim: this refusal is its only end)
    ReaderHarness w =
        answering(new ClaimStore.Claim(ClaimStore.Outcome.CLAIMED, 9, null, null, false));
    w.reader.accept(ReaderHarness.request(5, "r", "no-such-job"));

    w.reader.refusals().retryOnClaims(w.claims, TTL);

    List<EventPublisher.Outgoing> out = w.events.drain(new Fences(), voided -> {});
    assertThat(out).extracting(o -> o.event().type()).containsExactly(EventType.FAILED);
    assertThat(out.get(0).event().epoch()).as("above both owners'").isEqualTo(9);
    assertThat(w.committed())
        .extracting(ProducerRecord::topic)
        .containsExactly(Topics.REQUESTS_DLQ.name());
  }

  /** An end, as a claim would hold it, whose result has a number of 1,500 digits. */
  static String unreadableEnd() {
    return "{\"run_id\":\"r\",\"seq\":3,\"type\":\"completed\",\"timestamp\":"
        + "\"2026-12-06T12:00:00Z\",\"executor_id\":\"exec-b\",\"attempt\":1,\"epoch\":6,"
        + "\"payload\":{\"result\":0."
        + "1".repeat(1_500)
        + "}}";
  }

  @Test
  void anEndOnTheClaimThatCannotBeReadEndsTheWaitAndTheAttemptFailed() {
    // found by review: its read threw after the refusal was taken off the list, and putting it
    // back threw again, out of the poll loop, for good
    ReaderHarness w =
        answering(
            new ClaimStore.Claim(ClaimStore.Outcome.ALREADY_DONE, 6, null, unreadableEnd(), false));
    w.reader.accept(ReaderHarness.request(5, "r", "no-such-job"));

    w.reader.refusals().retryOnClaims(w.claims, TTL);

    assertThat(w.reader.refusals().onClaims()).isZero();
    List<EventPublisher.Outgoing> out = w.events.drain(new Fences(), voided -> {});
    assertThat(out).extracting(o -> o.event().type()).containsExactly(EventType.FAILED);
    assertThat(w.committed())
        .extracting(ProducerRecord::topic)
        .containsExactly(Topics.REQUESTS_DLQ.name());
    out.get(0).sent().run();
    assertThat(w.offsets.inFlight()).as("its offset finished").isZero();
  }
}
