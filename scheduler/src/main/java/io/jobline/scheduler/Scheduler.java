package io.jobline.scheduler;

import io.dropwizard.lifecycle.Managed;
import io.jobline.schedule.Schedule;
import io.jobline.store.LeaseStore;
import io.jobline.store.ScheduleStore;
import io.jobline.store.TimerStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler role. The replica holding the {@value #LEASE} lease fires due schedules; it
 * waits until the earliest fire time (or a change, or the reload interval), not a fixed poll.
 */
public final class Scheduler implements Managed {
  private static final Logger LOG = LoggerFactory.getLogger(Scheduler.class);
  static final String LEASE = "scheduler-leader";

  private final ScheduleStore store;
  private final TimerStore timers;
  private final RequestSink sink;
  private final LeaseStore leases;
  private final ScheduleFiring firing;
  private final SchedulerSettings settings;
  private final Clock clock;
  private final String id;
  private final Object wake = new Object();
  private volatile boolean running;
  private volatile boolean leader;
  private volatile Thread thread;
  private volatile Instant lastCycle;

  public Scheduler(ScheduleStore store, TimerStore timers, LeaseStore leases, RequestSink sink,
      SchedulerSettings settings, Clock clock) {
    this.store = store;
    this.timers = timers;
    this.sink = sink;
    this.leases = leases;
    this.firing = new ScheduleFiring(store, sink);
    this.settings = settings;
    this.clock = clock;
    this.id = settings.schedulerId != null ? settings.schedulerId
        : "scheduler-" + ProcessHandle.current().pid() + "-" + Long.toHexString(System.nanoTime() & 0xffff);
  }

  @Override
  public void start() {
    running = true;
    thread = new Thread(this::loop, "jobline-scheduler");
    thread.setDaemon(true);
    thread.start();
  }

  /** Makes the scheduler look at the schedules now (a schedule was created or changed). */
  public void poke() {
    synchronized (wake) {
      wake.notifyAll();
    }
  }

  private void loop() {
    long seenVersion = -1;
    List<Schedule> schedules = List.of();
    while (running) {
      Duration wait = Duration.ofMillis(settings.reloadInterval.toMilliseconds());
      try {
        Instant now = clock.instant();
        boolean wasLeader = leader;
        leader = leases.tryAcquire(LEASE, id, now,
            Duration.ofMillis(settings.leaseTtl.toMilliseconds())) > 0;
        if (leader != wasLeader) {
          LOG.info("Scheduler {} {} the leader lease", id, leader ? "holds" : "lost");
        }
        if (leader) {
          long version = store.version();
          if (version != seenVersion || dueBy(schedules, now)) {
            schedules = store.findEnabled();
            seenVersion = version;
          }
          if (!firing.fireDue(schedules, now).isEmpty()) {
            schedules = store.findEnabled();
            seenVersion = store.version();
          }
          fireTimers(now);
          Instant next = ScheduleFiring.earliest(schedules).orElse(null);
          Instant nextTimer = timers.earliest().orElse(null);
          if (nextTimer != null && (next == null || nextTimer.isBefore(next))) {
            next = nextTimer;
          }
          if (next != null) {
            Duration untilNext = Duration.between(clock.instant(), next);
            if (untilNext.compareTo(wait) < 0) {
              wait = untilNext.isNegative() ? Duration.ZERO : untilNext;
            }
          }
        }
        lastCycle = now;
      } catch (RuntimeException e) {
        LOG.warn("Scheduler cycle failed; trying again in {}: {}", wait, e.toString());
      }
      pause(wait);
    }
    leases.release(LEASE, id);
  }

  /** Emits every due timer's request, then deletes the timer (a crash in between re-emits the same run id). */
  private void fireTimers(Instant now) {
    for (TimerStore.Timer timer : timers.due(now, 1000)) {
      sink.send(timer.request());
      timers.delete(timer.id());
    }
  }

  private static boolean dueBy(List<Schedule> schedules, Instant now) {
    return ScheduleFiring.earliest(schedules).map(t -> !t.isAfter(now)).orElse(false);
  }

  private void pause(Duration wait) {
    if (wait.isZero() || !running) {
      return;
    }
    synchronized (wake) {
      try {
        wake.wait(Math.max(1, wait.toMillis()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        running = false;
      }
    }
  }

  public boolean isLeader() {
    return leader;
  }

  public boolean isAlive() {
    Thread t = thread;
    return running && t != null && t.isAlive();
  }

  public Instant lastCycle() {
    return lastCycle;
  }

  @Override
  public void stop() throws InterruptedException {
    running = false;
    poke();
    Thread t = thread;
    if (t != null) {
      t.join(10_000);
    }
  }
}
