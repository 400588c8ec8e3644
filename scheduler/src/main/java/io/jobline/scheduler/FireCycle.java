package io.jobline.scheduler;

import io.jobline.schedule.Schedule;
import io.jobline.schedule.ScheduleFiring;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a cycle fires, decided from the leader's memory alone, with no Kafka and no store: which
 * schedules of the index are due now, which fall due soon enough to be prepared ahead, and what
 * each fire does ({@link ScheduleFiring}: what runs, what is missed and why). It remembers why
 * fires failed, so the missed records a late fire ends with name the reason. A fire that waits for
 * its previous run, or that failed, is due again a second later. Whether a schedule's previous run
 * is still going is asked of a {@link PreviousRun}. Only the scheduler's cycle uses it (not
 * thread-safe).
 */
final class FireCycle {
  private static final Logger LOG = LoggerFactory.getLogger(FireCycle.class);

  /** Whether a schedule's last run has not ended yet, at {@code now}, or when it ended. */
  @FunctionalInterface
  interface PreviousRun {
    ScheduleFiring.Previous of(Schedule s, Instant now);
  }

  /**
   * A schedule's fire, decided for {@code at}; {@code decideAtDue} when it was decided ahead while
   * its previous run still went (that run may end before {@code at}).
   */
  record Decided(Schedule schedule, Instant at, ScheduleFiring.Fire fire, boolean decideAtDue) {}

  private final String id;
  private final ScheduleIndex index;
  private final PreviousRun previous;

  /** Why a schedule's last try to fire failed, until it fires. */
  private final Map<String, String> failures = new HashMap<>();

  /**
   * When a fire Kafka took part of was first decided, until the schedule fires or changes: a try
   * again decides it as of then, so it sends and records the same fire times as the first try.
   * Decided anew, a time sent on time at the first try was late at the next and recorded missed
   * (skip), or fell out of run_all's window of the latest (found by review).
   */
  private final Map<String, Instant> firstDecided = new HashMap<>();

  /** Why the last cycles failed as a whole (a store or Kafka down), until one succeeds. */
  private String outage;

  /** {@code id} names the scheduler in what is logged. */
  FireCycle(String id, ScheduleIndex index, PreviousRun previous) {
    this.id = id;
    this.index = index;
    this.previous = previous;
  }

  /**
   * Takes what falls due by {@code horizon} out of the index and decides each fire for its due time
   * (now, if that has passed). What waits for its previous run is due again a second after {@code
   * now}; what cannot be decided is tried again then too.
   */
  List<Decided> upcoming(Instant now, Instant horizon) {
    List<Decided> decided = new ArrayList<>();
    List<Schedule> waiting = new ArrayList<>();
    Optional<Schedule> next;
    while ((next = index.pollDue(horizon)).isPresent()) {
      Schedule s = next.get();
      Instant due = ScheduleFiring.dueAt(s);
      if (due.isBefore(now)) {
        due = now;
      }
      try {
        ScheduleFiring.Previous before = previous.of(s, now);
        ScheduleFiring.Fire fire = decide(s, due, before);
        if (fire.waiting()) {
          waiting.add(s);
          continue;
        }
        decided.add(new Decided(s, due, fire, before.running() && due.isAfter(now)));
      } catch (RuntimeException e) {
        retryLater(s, now, e);
      }
    }
    waiting.forEach(s -> index.retryAt(s, now.plusSeconds(1)));
    return decided;
  }

  /** The next schedule due by {@code now}, taken out of the index. */
  Optional<Schedule> nextDue(Instant now) {
    return index.pollDue(now);
  }

  /**
   * Decides the fire of {@code s} at {@code at}, knowing whether its previous run is still going
   * and what kept it from firing earlier.
   */
  ScheduleFiring.Fire decide(Schedule s, Instant at, Instant now) {
    return decide(s, at, previous.of(s, now));
  }

  private ScheduleFiring.Fire decide(Schedule s, Instant at, ScheduleFiring.Previous before) {
    Instant first = firstDecided.get(s.jobName());
    Instant asOf = first != null && first.isBefore(at) ? first : at;
    return ScheduleFiring.decide(s, asOf, before, whyLate(s));
  }

  /** Puts a schedule whose fire waits for its previous run back, due a second after now. */
  void waitForPrevious(Schedule s, Instant now) {
    index.retryAt(s, now.plusSeconds(1));
  }

  /**
   * What kept a schedule from firing earlier, if anything did: its own failed tries, or an outage.
   */
  String whyLate(Schedule s) {
    return failures.getOrDefault(s.jobName(), outage);
  }

  /**
   * A fire that failed part-way (Kafka, a store or a chain start refused) goes back into the index
   * a second later, from the same fire time; the others of the cycle go on. What it sent already
   * carries the same run ids next time, and why it failed is kept for the missed records it may end
   * with.
   */
  void retryLater(Schedule s, Instant now, RuntimeException cause) {
    retryLater(s, now, cause, null);
  }

  /**
   * As {@link #retryLater(Schedule, Instant, RuntimeException)}, for a fire decided as of {@code
   * decidedAt} that Kafka may have taken part of: the try again decides it as of then.
   */
  void retryLater(Schedule s, Instant now, RuntimeException cause, Instant decidedAt) {
    if (decidedAt != null) {
      firstDecided.putIfAbsent(s.jobName(), decidedAt);
    }
    LOG.warn(
        "Scheduler {} could not fire schedule {}; trying again in a second: {}",
        id,
        s.jobName(),
        cause.toString());
    failures.put(s.jobName(), cause.getMessage() == null ? cause.toString() : cause.getMessage());
    index.retryAt(s, now.plusSeconds(1));
  }

  /** Kafka took the schedule's fire: its earlier failures are over. */
  void fired(Schedule s) {
    failures.remove(s.jobName());
    firstDecided.remove(s.jobName());
  }

  /** The schedule changed in the store: its earlier failures no longer say anything. */
  void changed(String jobName) {
    failures.remove(jobName);
    firstDecided.remove(jobName);
  }

  /** A whole cycle failed; the first failure of an outage is what later missed records name. */
  void outage(String why) {
    if (outage == null) {
      outage = why;
    }
  }

  /** A cycle went through: the outage, if there was one, is over. */
  void recovered() {
    outage = null;
  }

  /** Forgets every failure (the replica lost the lease). */
  void clear() {
    failures.clear();
    firstDecided.clear();
  }
}
