package io.jobline.scheduler;

import io.jobline.store.ScheduleStore;
import java.util.HashMap;
import java.util.Map;

/**
 * Where the scheduler stands in the schedule store's change feed: a position below which every
 * change has been applied, and the versions applied above it (read again while an older write is
 * still in flight, they are not applied twice).
 */
final class ChangeFeed {
  private long position = -1;
  private long counter = -1;
  private final Map<String, Long> appliedAbove = new HashMap<>();

  /** The version after which changes are still to be read; -1 before the first load. */
  long position() {
    return position;
  }

  /** Starts over from a full load taken after reading {@code mark}. */
  void reset(ScheduleStore.Watermark mark) {
    appliedAbove.clear();
    position = mark.settled();
    counter = mark.counter();
  }

  /** Forgets everything: the next look is a full load. */
  void forget() {
    appliedAbove.clear();
    position = -1;
    counter = -1;
  }

  /** Whether anything may have changed since the last look. */
  boolean hasNews(ScheduleStore.Watermark mark) {
    return mark.counter() != counter || position < counter;
  }

  /** Whether a change read from the store has not been applied yet. */
  boolean isNew(ScheduleStore.Change change) {
    Long applied = appliedAbove.get(change.jobName());
    return change.version() > position && (applied == null || change.version() > applied);
  }

  void applied(String jobName, long version) {
    if (version > position) {
      appliedAbove.merge(jobName, version, Math::max);
    }
  }

  /** Moves the position up to what no write holds any more, as seen before the last read. */
  void settle(ScheduleStore.Watermark mark) {
    position = Math.max(position, mark.settled());
    counter = mark.counter();
    appliedAbove.values().removeIf(v -> v <= position);
  }

  int pending() {
    return appliedAbove.size();
  }
}
