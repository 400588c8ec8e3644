package io.jobline.executor;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunId;
import io.jobline.wire.Trigger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The note an executor hands a partition over with names the runs its own previous owner still ran,
 * unless they finished here: a partition handed over twice during one long run.
 */
class HandOverNoteTest {
  private final ReaderHarness h = new ReaderHarness(100);
  private final List<Map<Long, String>> notes = new ArrayList<>();
  private final ExecutorService threads = Executors.newSingleThreadExecutor();

  /** Set: the next note's write waits for it to count down. */
  private volatile CountDownLatch holdNote;

  private final CountDownLatch writing = new CountDownLatch(1);

  /** The writes of notes and takes of leases, in the order they reached the store. */
  private final List<String> order = new CopyOnWriteArrayList<>();

  /** Whether each lease taken was to be taken anew (with a new epoch). */
  private final List<Boolean> takenAnew = new ArrayList<>();

  /** The partitions whose waiting ends were made void as they went elsewhere. */
  private final List<TopicPartition> voidedEnds = new ArrayList<>();

  /** The revocation's commit, if not one that says {@code committed}. */
  private BooleanSupplier commitNow;

  /** Whether the partition waits to be read again from its last commit as it is revoked. */
  private boolean owed;

  /** How many of the next writes of a note fail. */
  private int failures;

  private LeaseKeeper keeper;

  /** Leases that take nothing and note each hand-over's runs still going. */
  private final PartitionLeases leases =
      new PartitionLeases() {
        @Override
        public Optional<Taken> take(
            String partition, String owner, Instant now, Duration ttl, boolean anew) {
          takenAnew.add(anew);
          order.add("take");
          return Optional.empty();
        }

        @Override
        public boolean renew(
            String partition, String owner, long epoch, Instant now, Duration ttl) {
          return true;
        }

        @Override
        public void handOver(
            String partition,
            String owner,
            long epoch,
            Set<Long> finished,
            Map<Long, String> stillRunning,
            long base) {
          if (failures > 0) {
            failures--;
            throw new IllegalStateException("the store timed out");
          }
          CountDownLatch until = holdNote;
          if (until != null) {
            writing.countDown();
            try {
              until.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          notes.add(Map.copyOf(stillRunning));
          order.add("note");
        }
      };

  @AfterEach
  void stop() {
    threads.shutdownNow();
  }

  private Map<Long, String> handedOverAfter(boolean committed) {
    revoke(committed);
    keeper.resendNotes(); // (as the renewer does on its beat)

    assertThat(notes).hasSize(1);
    return notes.get(0);
  }

  /** Revokes the partition, which the previous owner handed over while it ran three runs. */
  private void revoke(boolean committed) {
    rebalance(committed).onPartitionsRevoked(List.of(ReaderHarness.MAIN));
  }

  /** The rebalance of an executor that owns the partition its previous owner handed over. */
  private Rebalance rebalance(boolean committed) {
    OwnedPartition o = new OwnedPartition(ReaderHarness.MAIN);
    o.leased = true;
    o.rewindOwed = owed;
    o.epoch = 6;
    // the previous owner ran r (offset 5), s (7) and t (9, not read here yet) when it handed over
    o.noteRunning.putAll(Map.of(5L, "r:1", 7L, "s:1", 9L, "t:1"));
    h.owned.put(ReaderHarness.MAIN, o);
    h.offsets.taken(ReaderHarness.MAIN, 5); // waits here for the previous owner's claim
    h.offsets.taken(ReaderHarness.MAIN, 7);
    h.offsets.finished(ReaderHarness.MAIN, 7); // its claim ended: its end was published here
    h.offsets.markCommitted(Map.of(ReaderHarness.MAIN, new OffsetAndMetadata(5)));
    Clock clock = Clock.fixed(ReaderHarness.T0, ZoneOffset.UTC);
    keeper = new LeaseKeeper(leases, "exec-a", Duration.ofSeconds(30), clock);
    return new Rebalance(
        "exec-a",
        null,
        h.owned,
        h.offsets,
        h.dispatcher,
        new Runs(h.env, h.owned, keeper, new Fences(), null, threads),
        keeper,
        new Rebalance.Steps(
            commitNow != null ? commitNow : () -> committed,
            tp -> {},
            () -> {},
            partitions -> {},
            voidedEnds::add));
  }

  @Test
  void runsThePreviousOwnersNoteNamedAndThatDidNotFinishHereAreNamedAgain() {
    // found by review: the note named only this executor's own runs, so the next owner started
    // r and t while the first owner still ran them
    assertThat(handedOverAfter(true)).isEqualTo(Map.of(5L, "r:1", 9L, "t:1"));
  }

  @Test
  void withoutACommitNothingCountsAsFinishedHere() {
    assertThat(handedOverAfter(false)).isEqualTo(Map.of(5L, "r:1", 7L, "s:1", 9L, "t:1"));
  }

  @Test
  void aNoteWhoseWriteFailsIsWrittenAgainBeforeTheLeaseExpires() {
    // found by review: it was only logged, and the next owner, taking the lease once it expired,
    // started the runs still going on under claims
    failures = 1;
    assertThat(handedOverAfter(true)).isEqualTo(Map.of(5L, "r:1", 9L, "t:1"));

    keeper.resendNotes();
    assertThat(notes).as("written once").hasSize(1);
  }

  @Test
  void aNoteNotWrittenBeforeThePartitionCameBackIsNotWrittenLate() {
    // written after this executor took the lease again, it would free the lease it holds
    failures = 1;
    revoke(true);
    keeper.take(List.of(new OwnedPartition(ReaderHarness.MAIN))); // (the partition came back)

    keeper.resendNotes();

    assertThat(notes).isEmpty();
  }

  @Test
  void theEndsWaitingOnAPartitionRevokedBeforeItWasReadAgainAreMadeVoid() {
    // (their offsets were never committed: the next owner runs those attempts again)
    owed = true;
    revoke(true);

    assertThat(voidedEnds).containsExactly(ReaderHarness.MAIN);
  }

  @Test
  void theEndsWaitingOnAPartitionReadAgainByTheRevocationsFailedCommitAreMadeVoid() {
    // found by review: the failed commit read the partition again, which said it was no longer
    // owed, so the ends held back from that commit went out later, alone
    owed = true;
    commitNow =
        () -> {
          h.owned.get(ReaderHarness.MAIN).rewindOwed = false; // (read again after the abort)
          return false;
        };
    revoke(true);

    assertThat(voidedEnds).containsExactly(ReaderHarness.MAIN);
  }

  @Test
  void aPartitionWhoseRunsCouldNotBeHandedOverIsLeasedAnewWhenItComesBack() throws Exception {
    // found by review: its runs were fenced under the lease's epoch, which this executor kept when
    // it took the lease back; the requests read again were taken for the fenced runs, never ran,
    // and their offsets stayed open for good
    ReaderHarness failing =
        new ReaderHarness(
            100,
            new ClaimsAnswering(
                n -> {
                  throw new IllegalStateException("the store timed out");
                }));
    OwnedPartition o = new OwnedPartition(ReaderHarness.MAIN);
    o.leased = true;
    o.epoch = 6;
    o.hold = new Hold(ReaderHarness.T0.plusSeconds(60));
    failing.owned.put(ReaderHarness.MAIN, o);
    Clock clock = Clock.fixed(ReaderHarness.T0, ZoneOffset.UTC);
    keeper = new LeaseKeeper(leases, "exec-a", Duration.ofSeconds(30), clock);
    CountDownLatch poolFree = Contenders.hold(threads); // (the run waits for its thread)
    Runs runs = new Runs(failing.env, failing.owned, keeper, new Fences(), null, threads);
    JobRequest request =
        JobRequest.of(
            RunId.of("r1"),
            "quick",
            Json.object(),
            "t1",
            null,
            null,
            Trigger.manual(),
            ReaderHarness.T0,
            "t");
    runs.launch(
        new Pending(null, request, ReaderHarness.MAIN, 5, () -> {}, null, null, 6, 0),
        failing.dispatcher.outcomes());

    assertThat(runs.handOver(ReaderHarness.MAIN)).as("it could not be claimed").isEmpty();
    poolFree.countDown();
    keeper.take(List.of(new OwnedPartition(ReaderHarness.MAIN))); // (it came back)

    assertThat(takenAnew).containsExactly(true);
  }

  @Test
  void aNoteBeingWrittenAgainAsThePartitionComesBackLandsBeforeTheLeaseIsTaken() throws Exception {
    // found by review: a note written late, after this executor took the lease back under the
    // same epoch, freed that lease, and its runs were fenced and run again
    failures = 1;
    revoke(true);
    holdNote = new CountDownLatch(1);
    Thread renewer = new Thread(keeper::resendNotes, "test-renewer");
    renewer.start();
    assertThat(writing.await(10, TimeUnit.SECONDS)).isTrue();

    // found by review: the poll thread waited for every note being written, each up to the
    // store's timeout during an outage; now it takes the lease at a later look
    keeper.take(List.of(new OwnedPartition(ReaderHarness.MAIN)));
    assertThat(order).as("nothing taken while the note is being written").isEmpty();

    holdNote.countDown();
    renewer.join(10_000);
    keeper.take(List.of(new OwnedPartition(ReaderHarness.MAIN)));

    assertThat(order).containsExactly("note", "take");
  }

  @Test
  void aStoppingExecutorWritesTheNotesNotWrittenYet() {
    // found by review: the renewer that writes them again stopped with the executor
    failures = 1;
    revoke(true);

    keeper.stop();

    assertThat(notes).hasSize(1);
  }

  @Test
  void theEndsWaitingOnAPartitionLostAreMadeVoid() {
    // found by review: the runs that had ended there were not fenced (no longer running), and
    // their ends went out alone while the new owner ran their requests again
    rebalance(true).onPartitionsLost(List.of(ReaderHarness.MAIN));

    assertThat(voidedEnds).containsExactly(ReaderHarness.MAIN);
  }
}
