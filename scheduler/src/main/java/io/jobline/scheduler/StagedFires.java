package io.jobline.scheduler;

import io.jobline.schedule.Schedule;
import io.jobline.schedule.ScheduleFiring;
import io.jobline.topic.PreparedRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Fires prepared ahead of their time, and the ones among them already handed over to Kafka: every
 * request due at the next fire instant, staged so that at the instant one release publishes them.
 * Only the scheduler's cycle uses it (not thread-safe).
 */
final class StagedFires {
  /** A fire prepared ahead of its time: what it does, and its requests, already serialized. */
  record Fire(
      Schedule schedule,
      Instant due,
      ScheduleFiring.Fire decision,
      List<PreparedRequest> requests,
      boolean decideAtDue) {}

  /** Fires whose requests were handed over together, and the handle that publishes them. */
  record HandedOver(Emitter.Release release, Instant due, List<Fire> fires) {}

  private final Map<String, Fire> byName = new LinkedHashMap<>();
  private Emitter.Release release;
  private Instant releaseDue;
  private final Set<String> handedOver = new HashSet<>();

  void put(Fire fire) {
    byName.put(fire.schedule().jobName(), fire);
  }

  int size() {
    return byName.size();
  }

  /** Drops everything, taking back what was handed over. */
  void clear() {
    withdraw();
    byName.clear();
  }

  /** Drops a schedule's fire (it changed); if it was handed over, all of that is taken back. */
  void forget(String name) {
    if (handedOver.contains(name)) {
      withdraw();
    }
    byName.remove(name);
  }

  Optional<Instant> earliest() {
    return byName.values().stream().map(Fire::due).min(Instant::compareTo);
  }

  /** When the next instant's requests should be handed over, if that is still to come. */
  Optional<Instant> nextHandOver(Duration ahead, Instant now) {
    if (release != null) {
      return Optional.empty();
    }
    return earliest().map(t -> t.minus(ahead)).filter(t -> t.isAfter(now));
  }

  /**
   * Within {@code ahead} of the next fire instant, stages every request due at it.
   *
   * @return how many requests were handed over (0 when it was not time, or nothing was open)
   * @throws RuntimeException from the emitter; nothing is then handed over
   */
  int handOver(Emitter emitter, Duration ahead, Instant now) {
    Optional<Instant> first = earliest();
    if (release != null
        || first.isEmpty()
        || !first.get().isAfter(now)
        || first.get().isAfter(now.plus(ahead))) {
      return 0;
    }
    List<PreparedRequest> requests = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (Fire f : byName.values()) {
      if (f.due().equals(first.get()) && !f.decideAtDue() && emitter.stages(f.schedule())) {
        requests.addAll(f.requests());
        names.add(f.schedule().jobName());
      }
    }
    if (names.isEmpty()) {
      return 0;
    }
    release = emitter.stage(requests);
    releaseDue = first.get();
    handedOver.addAll(names);
    return requests.size();
  }

  /** Whether requests were handed over for an instant that has come. */
  boolean releaseDue(Instant now) {
    return release != null && !releaseDue.isAfter(now);
  }

  /** Whether the release was due more than {@code by} before {@code now}. */
  boolean releaseLate(Instant now, Duration by) {
    return release != null && releaseDue.plus(by).isBefore(now);
  }

  /** Takes the handed-over fires out, to be released by the caller. */
  HandedOver takeHandedOver() {
    List<Fire> fires = new ArrayList<>();
    for (String name : handedOver) {
      Fire f = byName.remove(name);
      if (f != null) {
        fires.add(f);
      }
    }
    HandedOver taken = new HandedOver(release, releaseDue, fires);
    release = null;
    releaseDue = null;
    handedOver.clear();
    return taken;
  }

  /** Takes out the fires due by {@code now} that were not handed over. */
  List<Fire> takeDue(Instant now) {
    List<Fire> due = new ArrayList<>();
    for (Iterator<Fire> it = byName.values().iterator(); it.hasNext(); ) {
      Fire f = it.next();
      if (!f.due().isAfter(now) && !handedOver.contains(f.schedule().jobName())) {
        due.add(f);
        it.remove();
      }
    }
    return due;
  }

  /** Takes back what was handed over (executors never see it); the fires stay prepared. */
  void withdraw() {
    if (release != null) {
      release.withdraw();
    }
    release = null;
    releaseDue = null;
    handedOver.clear();
  }
}
