package io.jobline.executor;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leases of the partitions this executor was assigned: the poll thread takes them ({@link
 * #take}) and learns which lapsed; a thread of its own renews those held, so a poll loop held up by
 * Kafka (a commit during a broker restart) does not let them lapse, while a frozen process does.
 */
final class LeaseKeeper {
  private static final Logger LOG = LoggerFactory.getLogger(LeaseKeeper.class);

  /**
   * What changed at one look: whether a lease was taken or lost, and the partitions that lapsed.
   */
  record Changes(boolean changed, List<TopicPartition> lapsed) {}

  private final PartitionLeases leases;
  private final String executorId;
  private final Duration ttl;
  private final Clock clock;

  /**
   * Partitions whose executions this executor fenced since it last took their lease: it takes the
   * next one anew.
   */
  private final Set<TopicPartition> fencedSinceLease = ConcurrentHashMap.newKeySet();

  /**
   * Hand-over notes whose write failed, written again on the renewer's beat until one lands or its
   * lease has surely gone to another owner. (Found by review: a note lost to one failed write let
   * the next owner, taking the lease once it expired, start the runs still going here under claims
   * of their own.)
   */
  private final Queue<Note> unsent = new ConcurrentLinkedQueue<>();

  private record Note(
      TopicPartition tp,
      long epoch,
      Set<Long> finished,
      Map<Long, String> stillRunning,
      long base,
      Instant giveUpAt,
      AtomicInteger state) {}

  /** A note waits to be written again; it is being written; it was dropped (not to be written). */
  private static final int WAITING = 0, WRITING = 1, DROPPED = 2;

  private ScheduledThreadPoolExecutor renewer;

  LeaseKeeper(PartitionLeases leases, String executorId, Duration ttl, Clock clock) {
    this.leases = leases;
    this.executorId = executorId;
    this.ttl = ttl;
    this.clock = clock;
  }

  /** Starts renewing the leases of {@code owned} as they are held. */
  void start(Collection<OwnedPartition> owned, ThreadFactory threads) {
    renewer = new ScheduledThreadPoolExecutor(1, threads);
    long beat = Math.max(50, ttl.toMillis() / 12);
    renewer.scheduleWithFixedDelay(
        () -> {
          try {
            renew(owned);
          } catch (VirtualMachineError e) {
            throw e; // (out of memory: the process is to end, as -XX:+ExitOnOutOfMemoryError says)
          } catch (Throwable t) { // NOPMD: a task that throws is never run again
            // (found by review: an Error out of a note's write ended the renewals for good, and
            // every lease of this executor lapsed, again and again)
            LOG.error("Executor {} could not renew its leases this beat", executorId, t);
          }
        },
        beat,
        beat,
        TimeUnit.MILLISECONDS);
  }

  /**
   * Stops renewing; a note not written yet is tried again for up to {@link #NOTES_AT_STOP} first
   * (the hand-overs of a stopping executor are its last).
   */
  void stop() {
    if (renewer != null) {
      renewer.shutdownNow();
    }
    long giveUpAt = System.nanoTime() + NOTES_AT_STOP.toNanos();
    while (!unsent.isEmpty() && System.nanoTime() - giveUpAt < 0) {
      resendNotes();
      if (!unsent.isEmpty()) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
      }
    }
    if (!unsent.isEmpty()) {
      LOG.error(
          "Executor {} stops with the hand-over notes of {} not written; the runs they name may"
              + " run again",
          executorId,
          unsent.stream().map(Note::tp).toList());
    }
  }

  /** How long a stopping executor tries to write the hand-over notes not written yet. */
  static final Duration NOTES_AT_STOP = Duration.ofSeconds(5);

  /**
   * Until when a lease renewed (or taken) at {@code at} may be acted on: a tenth short of its end.
   */
  static Instant validity(Instant at, Duration ttl) {
    return at.plus(ttl).minus(ttl.dividedBy(10));
  }

  /** A hold for a run's own claim taken just now. */
  Hold claimHold() {
    return new Hold(validity(clock.instant(), ttl));
  }

  /** The executions of {@code tp} were fenced: the next lease of it is taken anew (a new epoch). */
  void fenced(TopicPartition tp) {
    fencedSinceLease.add(tp);
  }

  /**
   * Takes the leases of assigned partitions that lack one (poll thread), and gives up those whose
   * hold lapsed (the lease could not be renewed in time, or another executor took it): the caller
   * fences their runs and reads them again.
   */
  Changes take(Collection<OwnedPartition> owned) {
    boolean changed = false;
    List<TopicPartition> lapsed = new ArrayList<>();
    Instant now = clock.instant();
    for (OwnedPartition o : owned) {
      try {
        if (!o.leased && !now.isBefore(o.nextTry)) {
          if (!dropNotes(o.tp)) {
            o.nextTry = now.plusMillis(50); // taken once its note landed: late, it would free it
            continue;
          }
          Optional<PartitionLeases.Taken> taken =
              leases.take(o.tp.toString(), executorId, now, ttl, fencedSinceLease.contains(o.tp));
          if (taken.isPresent()) {
            fencedSinceLease.remove(o.tp);
            o.epoch = taken.get().epoch();
            o.noteFinished.addAll(taken.get().finished());
            o.noteRunning.putAll(taken.get().stillRunning());
            o.noteBase = taken.get().base();
            o.readSinceTaken = false;
            o.skip.addAll(o.noteFinished);
            o.elsewhere.putAll(o.noteRunning);
            o.renewAt = now.plus(ttl.dividedBy(3));
            o.hold = new Hold(validity(now, ttl));
            o.leased = true;
            changed = true;
          } else {
            o.nextTry = now.plusMillis(500);
          }
        } else if (o.leased && !o.revoking && o.hold.lapsed(clock.instant())) {
          LOG.warn(
              "Executor {} no longer holds the lease of {} (it could not renew it in time, or another"
                  + " executor took it while this one was stalled); its runs there stop and their"
                  + " results are not committed",
              executorId,
              o.tp);
          o.leased = false;
          lapsed.add(o.tp);
          changed = true;
        }
      } catch (RuntimeException e) {
        LOG.warn("Executor {} could not take the lease of {}: {}", executorId, o.tp, e.toString());
        o.nextTry = now.plusSeconds(1);
      }
    }
    return new Changes(changed, lapsed);
  }

  /**
   * Drops the notes of {@code tp} not written yet, as its lease is to be taken again; false if one
   * is being written just now. (Found by review: the poll thread waited while the renewer wrote
   * every note again, each up to the store's timeout during an outage.)
   */
  private boolean dropNotes(TopicPartition tp) {
    boolean dropped = true;
    for (Note note : unsent) {
      if (note.tp().equals(tp)) {
        if (note.state().compareAndSet(WAITING, DROPPED)) {
          unsent.remove(note);
        } else {
          dropped &= note.state().get() == DROPPED; // (being written)
        }
      }
    }
    return dropped;
  }

  /**
   * Renews each lease held when a third of its time has passed (renewer thread). A lease another
   * executor took, or one renewed only after its hold lapsed, is given up by the poll thread.
   */
  private void renew(Collection<OwnedPartition> owned) {
    resendNotes();
    for (OwnedPartition o : owned) {
      Instant now = clock.instant();
      if (!o.leased || o.revoking || now.isBefore(o.renewAt) || o.hold.lapsed(now)) {
        continue;
      }
      Hold hold = o.hold;
      try {
        if (leases.renew(o.tp.toString(), executorId, o.epoch, now, ttl)) {
          if (hold.extend(validity(now, ttl))) {
            o.renewAt = now.plus(ttl.dividedBy(3));
          }
        } else {
          hold.lapse(); // another executor took it
        }
      } catch (RuntimeException e) {
        // tried again at the next beat; the hold lapses on its own if the store stays out of reach
        LOG.warn("Executor {} could not renew the lease of {}: {}", executorId, o.tp, e.toString());
      }
    }
  }

  /**
   * Gives a lease up with a note for the next owner. If the note cannot be written, the lease
   * lapses on its own (it is no longer renewed), and the note is written again meanwhile: the next
   * owner takes the lease only once it expired. (A store out of reach for that long also let the
   * claims of the runs going on here lapse: they are renewed there, with the same time to live.)
   */
  void handOver(OwnedPartition o, Set<Long> finished, Map<Long, String> stillRunning, long base) {
    Note note =
        new Note(
            o.tp,
            o.epoch,
            Set.copyOf(finished),
            Map.copyOf(stillRunning),
            base,
            clock.instant().plus(ttl.multipliedBy(2)),
            new AtomicInteger(WAITING));
    RuntimeException failed = send(note);
    if (failed != null) {
      LOG.warn(
          "Could not hand the lease of {} over; writing its note again until its lease expires: {}",
          o.tp,
          failed.toString());
      unsent.add(note);
    }
  }

  /** Writes again the notes whose write failed (renewer thread; at stop; tests). */
  void resendNotes() {
    for (Note note : unsent) {
      if (!note.state().compareAndSet(WAITING, WRITING)) {
        continue; // dropped as its lease was taken again, or written by another thread
      }
      RuntimeException failed;
      try {
        failed = send(note);
      } catch (Error e) {
        note.state().set(WAITING); // (not left writing for good, which held its partition back)
        throw e;
      }
      if (failed == null) {
        unsent.remove(note);
        LOG.info("Handed the lease of {} over", note.tp());
      } else if (clock.instant().isAfter(note.giveUpAt())) {
        unsent.remove(note);
        LOG.error(
            "Could not hand the lease of {} over before it expired; the runs its note names may"
                + " run again: {}",
            note.tp(),
            failed.toString());
      } else {
        note.state().set(WAITING);
      }
    }
  }

  /** Writes a note; what it failed with, or null. */
  private RuntimeException send(Note note) {
    try {
      leases.handOver(
          note.tp().toString(),
          executorId,
          note.epoch(),
          note.finished(),
          note.stillRunning(),
          note.base());
      return null;
    } catch (RuntimeException e) {
      return e;
    }
  }
}
