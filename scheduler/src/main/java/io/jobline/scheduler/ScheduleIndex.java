package io.jobline.scheduler;

import io.jobline.schedule.Schedule;
import io.jobline.schedule.Triggers;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The leader's in-memory view of active schedules, ordered by when each is next due (fire time plus
 * jitter), so finding what is due never scans the store.
 */
final class ScheduleIndex {
  private record Entry(Instant due, String name) implements Comparable<Entry> {
    @Override
    public int compareTo(Entry o) {
      int c = due.compareTo(o.due);
      return c != 0 ? c : name.compareTo(o.name);
    }
  }

  private final Map<String, Schedule> byName = new HashMap<>();
  private final Map<String, Entry> entries = new HashMap<>();
  private final TreeSet<Entry> queue = new TreeSet<>();

  void clear() {
    byName.clear();
    entries.clear();
    queue.clear();
  }

  void put(Schedule s) {
    remove(s.jobName());
    byName.put(s.jobName(), s);
    if (s.active()) {
      Entry e = new Entry(s.nextRunAt().plus(Triggers.jitter(s, s.nextRunAt())), s.jobName());
      entries.put(s.jobName(), e);
      queue.add(e);
    }
  }

  /**
   * Puts the schedule back, due again at {@code at} (an overlap that waits for its previous run).
   */
  void retryAt(Schedule s, Instant at) {
    remove(s.jobName());
    byName.put(s.jobName(), s);
    Entry e = new Entry(at, s.jobName());
    entries.put(s.jobName(), e);
    queue.add(e);
  }

  void remove(String name) {
    byName.remove(name);
    Entry e = entries.remove(name);
    if (e != null) {
      queue.remove(e);
    }
  }

  /** The next schedule due by {@code now}, taken out of the queue. */
  Optional<Schedule> pollDue(Instant now) {
    Entry first = queue.isEmpty() ? null : queue.first();
    if (first == null || first.due().isAfter(now)) {
      return Optional.empty();
    }
    queue.pollFirst();
    entries.remove(first.name());
    return Optional.ofNullable(byName.get(first.name()));
  }

  Optional<Instant> earliest() {
    return queue.isEmpty() ? Optional.empty() : Optional.of(queue.first().due());
  }

  /** The schedule held under this name, due or being fired; null if none. */
  Schedule get(String name) {
    return byName.get(name);
  }

  int size() {
    return byName.size();
  }

  Collection<Schedule> all() {
    return byName.values();
  }
}
