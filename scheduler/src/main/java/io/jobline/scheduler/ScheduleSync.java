package io.jobline.scheduler;

import io.jobline.schedule.Schedule;
import io.jobline.store.ScheduleStore;
import java.util.ArrayList;
import java.util.List;
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

  /** {@code id} names the scheduler in what is logged. */
  ScheduleSync(
      String id,
      ScheduleStore store,
      ScheduleIndex index,
      StagedFires staged,
      FireCycle fires,
      FireOutput output) {
    this.id = id;
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
        index.put(output.withUnrecorded(s));
        feed.applied(s.jobName(), s.version() == null ? 0 : s.version());
      }
      LOG.info("Scheduler {} loaded {} active schedule(s)", id, index.size());
      return;
    }
    if (!feed.hasNews(mark)) {
      return;
    }
    for (ScheduleStore.Change change : store.changesSince(feed.position())) {
      if (!feed.isNew(change)) {
        continue; // seen at an earlier look, while an older write was still in flight
      }
      staged.forget(change.jobName());
      fires.changed(change.jobName());
      if (change.schedule() == null || !change.schedule().enabled()) {
        index.remove(change.jobName());
      } else {
        index.put(output.withUnrecorded(change.schedule()));
      }
      feed.applied(change.jobName(), change.version());
    }
    feed.settle(mark);
  }

  /** Forgets where it stood (the replica lost the lease): the next refresh loads everything. */
  void forget() {
    feed.forget();
  }
}
