package io.jobline.scheduler.chain;

import io.jobline.chain.ChainLauncher;
import io.jobline.schedule.Schedule;
import io.jobline.scheduler.Emitter;
import io.jobline.store.ScheduleStore;
import io.jobline.topic.PreparedRequest;
import io.jobline.wire.JobRequest;
import io.jobline.wire.RunEvent;
import io.jobline.wire.TriggerType;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The scheduler's emitter with chains in between: a scheduled request whose schedule targets a
 * chain, or lists jobs to run after its own, starts a chain run (with the request's derived id)
 * instead of going to Kafka. Schedules are kept in memory and refreshed by version, so the
 * scheduler's send path gains no store round trip for plain jobs.
 */
public final class ChainEmitter implements Emitter {
  private static final Duration RECHECK = Duration.ofMillis(500);
  private final Emitter delegate;
  private final ChainLauncher launcher;
  private final ScheduleStore schedules;
  private final Map<String, Schedule> known = new ConcurrentHashMap<>();
  private final Clock clock;
  private long seenVersion = -1;
  private Instant checkedAt;

  public ChainEmitter(Emitter delegate, ChainLauncher launcher, ScheduleStore schedules, Clock clock) {
    this.delegate = delegate;
    this.launcher = launcher;
    this.schedules = schedules;
    this.clock = clock;
    refresh();
  }

  @Override
  public CompletableFuture<?> send(PreparedRequest prepared) {
    JobRequest r = prepared.request();
    if (r.trigger() != null && r.trigger().type() == TriggerType.SCHEDULE && r.trigger().schedule() != null) {
      Optional<Schedule> s = schedule(r.trigger().schedule());
      if (s.isPresent() && launcher.launchIfChain(s.get(), r)) {
        return CompletableFuture.completedFuture(null);
      }
    }
    return delegate.send(prepared);
  }

  @Override
  public void missed(RunEvent event) {
    delegate.missed(event);
  }

  @Override
  public PreparedRequest prepare(JobRequest request) {
    return delegate.prepare(request);
  }

  /**
   * The schedule as last seen: loaded when the emitter is made (not on the first fire), the
   * store's version checked at most every {@link #RECHECK}, a schedule not seen before read by id.
   */
  private synchronized Optional<Schedule> schedule(String name) {
    Instant now = clock.instant();
    if (checkedAt == null || now.isBefore(checkedAt) || Duration.between(checkedAt, now).compareTo(RECHECK) >= 0) {
      refresh();
      checkedAt = now;
    }
    Schedule s = known.get(name);
    if (s == null) {
      s = schedules.find(name).orElse(null);
      if (s != null) {
        known.put(name, s);
      }
    }
    return Optional.ofNullable(s);
  }

  private synchronized void refresh() {
    long version = schedules.version();
    if (seenVersion < 0) {
      schedules.findAll().forEach(s -> known.put(s.jobName(), s));
    } else if (version != seenVersion) {
      for (ScheduleStore.Change c : schedules.changesSince(seenVersion)) {
        if (c.schedule() == null) {
          known.remove(c.jobName());
        } else {
          known.put(c.jobName(), c.schedule());
        }
      }
    }
    seenVersion = version;
  }
}
