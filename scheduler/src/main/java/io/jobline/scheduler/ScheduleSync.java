package io.jobline.scheduler;

import io.jobline.schedule.Schedule;
import io.jobline.schedule.ScheduleFiring;
import io.jobline.store.ScheduleStore;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the leader's memory of the schedules in step with the store: it loads everything after the
 * lease is gained, afterwards only what changed, and drops what a change makes stale (a fire
 * prepared ahead, the failures of earlier tries). Only the scheduler's cycle uses it (not
 * thread-safe).
 */
final class ScheduleSync {
  private static final Logger LOG = LoggerFactory.getLogger(ScheduleSync.class);

  private final String id;
  private final ScheduleStore store;
  private final ScheduleIndex index;
  private final StagedFires staged;
  private final FireCycle fires;
  private final FireOutput output;
  private final ChangeFeed feed = new ChangeFeed();
  private final Clock clock;

  /** {@code id} names the scheduler in what is logged. */
  ScheduleSync(
      String id,
      ScheduleStore store,
      ScheduleIndex index,
      StagedFires staged,
      FireCycle fires,
      FireOutput output,
      Clock clock) {
    this.id = id;
    this.clock = clock;
    this.store = store;
    this.index = index;
    this.staged = staged;
    this.fires = fires;
    this.output = output;
  }

  /**
   * Loads everything after gaining the lease; afterwards only what changed. The feed position moves
   * only up to the versions no write still holds ({@link ScheduleStore.Watermark#settled()}), so a
   * write that took its version before this look and becomes visible after it is read next time.
   */
  void refresh() {
    ScheduleStore.Watermark mark = store.watermark();
    if (feed.position() < 0) {
      // read whole before anything is reset: a load that failed part-way left the feed reset, and
      // the next look read only changes, into an empty index, so no schedule fired until it was
      // changed (found by review)
      List<Schedule> enabled = new ArrayList<>(store.findEnabled());
      index.clear();
      staged.clear();
      feed.reset(mark);
      for (Schedule s : enabled) {
        index.put(planned(output.withUnrecorded(s)));
        feed.applied(s.jobName(), s.version() == null ? 0 : s.version());
      }
      LOG.info("Scheduler {} loaded {} active schedule(s)", id, index.size());
      return;
    }
    if (!feed.hasNews(mark)) {
      return;
    }
    List<ScheduleStore.Change> tombstones = new ArrayList<>();
    for (ScheduleStore.Change change : store.changesSince(feed.position())) {
      if (change.schedule() == null) {
        tombstones.add(change);
      } else if (feed.isNew(change)) { // (else seen at an earlier look, an older write in flight)
        apply(change.jobName(), change.schedule());
        feed.applied(change.jobName(), change.version());
      }
    }
    if (!tombstones.isEmpty()) {
      Map<String, Schedule> stored =
          store.findReadable(tombstones.stream().map(ScheduleStore.Change::jobName).toList());
      tombstones.forEach(t -> deleted(t, stored.get(t.jobName())));
    }
    feed.settle(mark);
  }

  /** Holds {@code s} as the schedule named so (null: deleted), planned afresh. */
  private void apply(String name, Schedule s) {
    staged.forget(name);
    fires.changed(name);
    if (s == null || !s.enabled()) {
      index.remove(name);
    } else {
      index.put(planned(output.withUnrecorded(s)));
    }
  }

  /**
   * Applies a tombstone by what the store holds now, not by its version alone. A delete takes its
   * version before it removes the schedule, so a write that took a later version may change the
   * schedule in between (applied here first, it made the tombstone look stale, and the deleted
   * schedule fired on), and a save that took an earlier one may write it again just after (the
   * tombstone's later version then hid a schedule the store holds). Found by review. A tombstone is
   * read again at every look while an older write is in flight (all of a look's in one read of the
   * store); it changes what the leader holds only when that differs from the store. A document that
   * cannot be read counts as gone, as at a load.
   */
  private void deleted(ScheduleStore.Change tombstone, Schedule stored) {
    String name = tombstone.jobName();
    Schedule held = index.get(name);
    boolean asStored =
        stored == null || !stored.enabled()
            ? held == null
            : held != null && Objects.equals(held.version(), stored.version());
    if (feed.isNew(tombstone) || !asStored) {
      apply(name, stored);
    }
    long version = stored == null || stored.version() == null ? 0 : stored.version();
    feed.applied(name, Math.max(tombstone.version(), version));
  }

  /**
   * {@code s}, its next fire time planned again after its last fire if that fire took it ({@link
   * ScheduleFiring#firedAlready}): a change planned as the schedule fired gave it a time that fire
   * had taken (found by review: before, the bookkeeping moved it to the old trigger's next time,
   * and the new trigger's fires until then were lost). By its due time, jitter and all: a schedule
   * whose jitter is longer than its period is often stored with a next fire time before its last
   * fire, due after it (found by review of the first fix, which skipped such a fire). The time is
   * stored too, if the schedule is as read.
   */
  private Schedule planned(Schedule s) {
    Instant to;
    try {
      if (!ScheduleFiring.firedAlready(s, clock.instant())) {
        return s;
      }
      to = ScheduleFiring.nextAfterLastFire(s);
    } catch (RuntimeException e) {
      return s; // (a trigger that no longer parses: the fire cycle records it as it meets it)
    }
    LOG.info(
        "Scheduler {} plans schedule {} again from its last fire at {}: its next fire time {} was"
            + " fired already; now {}",
        id,
        s.jobName(),
        s.lastRunAt(),
        s.nextRunAt(),
        to);
    try {
      if (store.moveNext(s, to)) {
        // (as stored, at its new version: a fire of it then moves it on)
        Schedule moved = store.find(s.jobName()).orElse(null);
        if (moved != null && Objects.equals(moved.nextRunAt(), to)) {
          return output.withUnrecorded(moved);
        }
      }
    } catch (RuntimeException e) {
      LOG.warn(
          "Scheduler {} could not store the next fire time of {}; it fires from memory: {}",
          id,
          s.jobName(),
          e.toString());
    }
    return s.withNextRunAt(to);
  }

  /** Forgets where it stood (the replica lost the lease): the next refresh loads everything. */
  void forget() {
    feed.forget();
  }
}
