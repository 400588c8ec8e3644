package io.jobline.scheduler;

import io.dropwizard.lifecycle.Managed;
import io.jobline.run.RunRecord;
import io.jobline.schedule.FiringPlan;
import io.jobline.schedule.Schedule;
import io.jobline.schedule.ScheduleOutput;
import io.jobline.store.LeaseStore;
import io.jobline.store.RunStore;
import io.jobline.store.ScheduleStore;
import io.jobline.store.TimerStore;
import io.jobline.topic.PreparedRequest;
import io.jobline.wire.JobRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler role. The replica holding the {@value #LEASE} lease keeps every active schedule
 * in an in-memory queue ordered by due time, sleeps until the earliest (or until a change or the
 * reload interval), fires what is due with run ids derived from (schedule, nominal time), applies
 * misfire and overlap policies, and fires due timers. It stops emitting as soon as its lease may
 * have lapsed, so a replica that was frozen cannot fire after another took over.
 */
public final class Scheduler implements Managed {
  private static final Logger LOG = LoggerFactory.getLogger(Scheduler.class);
  static final String LEASE = "scheduler-leader";
  private static final Duration LEASE_MARGIN = Duration.ofMillis(500);
  private static final Duration UNMATERIALIZED_RUN_GRACE = Duration.ofMinutes(5);
  /** How long before a fire time its requests are planned and serialized. */
  static final Duration PREPARE_AHEAD = Duration.ofMillis(800);

  private final ScheduleStore store;
  private final TimerStore timers;
  private final LeaseStore leases;
  private final RunStore runs;
  private final Emitter emitter;
  private final SchedulerSettings settings;
  private final Clock clock;
  private final String id;
  private final WakeableLoop loop = new WakeableLoop("jobline-scheduler", this::step, this::exit);
  private final ScheduleIndex index = new ScheduleIndex();
  private final StagedFires staged = new StagedFires();
  private volatile BiConsumer<Instant, Instant> firedListener = (nominal, acked) -> {};
  private volatile boolean leader;
  private volatile Instant lastCycle;
  private final ChangeFeed feed = new ChangeFeed();
  private Instant leaseValidUntil = Instant.EPOCH;

  public Scheduler(ScheduleStore store, TimerStore timers, LeaseStore leases, RunStore runs,
      Emitter emitter, SchedulerSettings settings, Clock clock) {
    this.store = store;
    this.timers = timers;
    this.leases = leases;
    this.runs = runs;
    this.emitter = emitter;
    this.settings = settings;
    this.clock = clock;
    this.id = settings.schedulerId != null ? settings.schedulerId
        : "scheduler-" + ProcessHandle.current().pid() + "-" + Long.toHexString(System.nanoTime() & 0xffff);
  }

  /** Called with (nominal time, time Kafka acknowledged the request) for every scheduled run. */
  public void onFired(BiConsumer<Instant, Instant> listener) {
    this.firedListener = listener;
  }

  @Override
  public void start() {
    loop.start();
  }

  /** Makes the scheduler look at the schedules now (a schedule was created or changed). */
  public void poke() {
    loop.poke();
  }

  /** One turn of the loop: a cycle, then how long to sleep until something is next due. */
  private Duration step() {
    Duration wait = Duration.ofMillis(settings.reloadInterval.toMilliseconds());
    try {
      Optional<Instant> next = cycle();
      if (next.isPresent()) {
        Duration untilNext = Duration.between(clock.instant(), next.get());
        if (untilNext.compareTo(wait) < 0) {
          wait = untilNext.isNegative() ? Duration.ZERO : untilNext;
        }
      }
    } catch (RuntimeException e) {
      LOG.warn("Scheduler cycle failed; trying again in {}: {}", wait, e.toString());
      synchronized (this) {
        if (!leaseValid()) {
          staged.withdraw(); // an open hand-over would hold back its partitions until Kafka's timeout
        }
      }
    }
    return wait;
  }

  private void exit() {
    synchronized (this) {
      staged.withdraw();
    }
    leases.release(LEASE, id);
  }

  /**
   * One cycle: hold or take the lease, catch up with changes, fire due timers and schedules.
   *
   * @return when something is next due, if the scheduler leads
   */
  public synchronized Optional<Instant> cycle() {
    Instant now = clock.instant();
    lastCycle = now;
    if (leader && staged.releaseDue(now) && leaseValid()) {
      fireSchedules(); // release first: the lease is known valid, and everything else can wait
    }
    boolean wasLeader = leader;
    Duration ttl = Duration.ofMillis(settings.leaseTtl.toMilliseconds());
    leader = leases.tryAcquire(LEASE, id, now, ttl) > 0;
    if (leader != wasLeader) {
      LOG.info("Scheduler {} {} the leader lease", id, leader ? "holds" : "lost");
      if (leader) {
        try {
          emitter.lead();
        } catch (RuntimeException e) {
          LOG.warn("Scheduler {} could not get its Kafka producer ready; it tries again at the first fire: {}",
              id, e.toString());
        }
      }
    }
    if (!leader) {
      index.clear();
      staged.clear();
      feed.forget();
      return Optional.empty();
    }
    leaseValidUntil = now.plus(ttl).minus(LEASE_MARGIN);
    refresh();
    fireTimers();
    fireSchedules();
    stageUpcoming();
    handOverNext();
    return earliestOf(
        staged.earliest(),
        staged.nextHandOver(stageAhead(), clock.instant()),
        index.earliest().map(t -> t.minus(PREPARE_AHEAD)),
        timers.earliest());
  }

  private Duration stageAhead() {
    return Duration.ofMillis(settings.stageAhead.toMilliseconds());
  }

  /**
   * Within {@code stageAhead} of the next fire instant, hands every request due at that instant to
   * Kafka (staged, invisible to executors) so that at the instant only their release remains.
   */
  private void handOverNext() {
    Instant now = clock.instant();
    long t0 = System.nanoTime();
    try {
      int handed = staged.handOver(emitter, stageAhead(), now);
      if (handed >= 100) {
        LOG.info("Handed {} requests over to Kafka {} ms ahead of their fire time, in {} ms", handed,
            Duration.between(now, staged.earliest().orElse(now)).toMillis(), (System.nanoTime() - t0) / 1_000_000);
      }
    } catch (RuntimeException e) {
      LOG.warn("Scheduler {} could not hand requests over ahead; they are sent at their fire time: {}",
          id, e.toString());
    }
  }

  @SafeVarargs
  private static Optional<Instant> earliestOf(Optional<Instant>... candidates) {
    Instant min = null;
    for (Optional<Instant> c : candidates) {
      if (c.isPresent() && (min == null || c.get().isBefore(min))) {
        min = c.get();
      }
    }
    return Optional.ofNullable(min);
  }

  /**
   * Loads everything after gaining the lease; afterwards only what changed. The feed position moves
   * only up to the versions no write still holds ({@link ScheduleStore.Watermark#settled()}), so a
   * write that took its version before this look and becomes visible after it is read next time.
   */
  private void refresh() {
    ScheduleStore.Watermark mark = store.watermark();
    if (feed.position() < 0) {
      index.clear();
      staged.clear();
      feed.reset(mark);
      for (Schedule s : store.findEnabled()) {
        index.put(s);
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
      if (change.schedule() == null || !change.schedule().enabled()) {
        index.remove(change.jobName());
      } else {
        index.put(change.schedule());
      }
      feed.applied(change.jobName(), change.version());
    }
    feed.settle(mark);
  }

  private boolean leaseValid() {
    return clock.instant().isBefore(leaseValidUntil);
  }

  /** Emits every due timer's request, then deletes the timer (a crash in between re-emits the same run id). */
  private void fireTimers() {
    for (TimerStore.Timer timer : timers.due(clock.instant(), 1000)) {
      if (!leaseValid()) {
        return;
      }
      emitter.request(timer.request()).join();
      timers.delete(timer.id());
    }
  }

  /**
   * Takes what falls due within {@link #PREPARE_AHEAD} out of the index and prepares it: plans
   * it for its due time and serializes its requests, so that at the due time only sends remain.
   */
  private void stageUpcoming() {
    Instant now = clock.instant();
    long t0 = System.nanoTime();
    int before = staged.size();
    Instant horizon = now.plus(PREPARE_AHEAD);
    List<Schedule> waiting = new ArrayList<>();
    Optional<Schedule> next;
    while ((next = index.pollDue(horizon)).isPresent()) {
      Schedule s = next.get();
      Instant due = s.nextRunAt().plus(io.jobline.schedule.Triggers.jitter(s, s.nextRunAt()));
      if (due.isBefore(now)) {
        due = now;
      }
      try {
        FiringPlan plan = FiringPlan.plan(s, due, previousRunning(s, now));
        if (plan.waitForPrevious()) {
          waiting.add(s);
          continue;
        }
        List<PreparedRequest> requests = new ArrayList<>();
        for (FiringPlan.Run run : plan.runs()) {
          requests.add(emitter.prepare(ScheduleOutput.request(s, run, due)));
        }
        staged.put(new StagedFires.Fire(s, due, plan, requests));
      } catch (RuntimeException e) {
        retryLater(s, now, e);
      }
    }
    waiting.forEach(s -> index.retryAt(s, now.plusSeconds(1)));
    if (staged.size() - before >= 100) {
      LOG.info("Prepared {} fires in {} ms", staged.size() - before, (System.nanoTime() - t0) / 1_000_000);
    }
  }

  /**
   * Fires everything due: first every request is handed to Kafka (that is what lateness is
   * measured on), then the bookkeeping — index, missed records, the batch update of the store.
   */
  private void fireSchedules() {
    List<ScheduleStore.Fire> fires = new ArrayList<>();
    List<CompletableFuture<?>> acks = new ArrayList<>();
    List<Runnable> bookkeeping = new ArrayList<>();
    Instant now = clock.instant();
    if (staged.releaseDue(now)) {
      if (!leaseValid()) {
        LOG.warn("Scheduler {} withdraws its staged requests: its lease may have lapsed", id);
        staged.withdraw();
        return;
      }
      if (!release(staged.takeHandedOver(), acks, bookkeeping, fires)) {
        return;
      }
    }
    List<StagedFires.Fire> dueStaged = staged.takeDue(now);
    if (!dueStaged.isEmpty() && !leaseValid()) {
      LOG.warn("Scheduler {} stops firing: its lease may have lapsed", id);
      dueStaged.forEach(staged::put);
      return;
    }
    for (StagedFires.Fire st : dueStaged) {
      try {
        String lastId = null;
        for (PreparedRequest prepared : st.requests()) {
          lastId = prepared.request().runId().value();
          Instant nominal = prepared.request().trigger().nominalTime();
          acks.add(emitter.fire(st.schedule(), prepared).thenRun(() -> firedListener.accept(nominal, clock.instant())));
        }
        String runId = lastId;
        bookkeeping.add(() -> record(st.schedule(), st.plan(), runId, st.due(), fires));
      } catch (RuntimeException e) {
        retryLater(st.schedule(), now, e);
      }
    }
    Optional<Schedule> due;
    while ((due = index.pollDue(now)).isPresent()) {
      if (!leaseValid()) {
        LOG.warn("Scheduler {} stops firing: its lease may have lapsed", id);
        index.put(due.get());
        break;
      }
      Schedule s = due.get();
      try {
        FiringPlan plan = FiringPlan.plan(s, now, previousRunning(s, now));
        if (plan.waitForPrevious()) {
          index.retryAt(s, now.plusSeconds(1));
          continue;
        }
        String lastId = null;
        for (FiringPlan.Run run : plan.runs()) {
          JobRequest request = ScheduleOutput.request(s, run, now);
          lastId = request.runId().value();
          Instant nominal = run.nominal();
          acks.add(emitter.fire(s, emitter.prepare(request)).thenRun(() -> firedListener.accept(nominal, clock.instant())));
        }
        String runId = lastId;
        bookkeeping.add(() -> record(s, plan, runId, now, fires));
      } catch (RuntimeException e) {
        retryLater(s, now, e);
      }
    }
    if (acks.isEmpty() && bookkeeping.isEmpty()) {
      return;
    }
    bookkeeping.forEach(Runnable::run);
    try {
      CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("Kafka did not acknowledge scheduled runs; they fire again next cycle", e);
    }
    if (acks.size() >= 100) {
      LOG.info("Fired {} runs; with their bookkeeping the cycle took {} ms",
          acks.size(), Duration.between(now, clock.instant()).toMillis());
    }
    store.recordFires(fires);
  }

  /**
   * Releases the requests handed over ahead: one commit makes all of them visible. If Kafka refuses,
   * they stay staged and are sent directly in a later cycle, once the lease has been checked again
   * (a replica fenced by a newer leader will find it has lost the lease).
   *
   * @return whether Kafka took them
   */
  private boolean release(StagedFires.HandedOver handed, List<CompletableFuture<?>> acks,
      List<Runnable> bookkeeping, List<ScheduleStore.Fire> fires) {
    Instant start = clock.instant();
    CompletableFuture<?> ack = handed.release().publish();
    Instant acked = clock.instant();
    if (handed.fires().size() >= 100) {
      LOG.info("Released {} staged fires: began {} ms after they were due, took {} ms", handed.fires().size(),
          Duration.between(handed.due(), start).toMillis(), Duration.between(start, acked).toMillis());
    }
    if (ack.isCompletedExceptionally()) {
      handed.fires().forEach(staged::put);
      return false;
    }
    for (StagedFires.Fire st : handed.fires()) {
      String lastId = null;
      for (PreparedRequest prepared : st.requests()) {
        lastId = prepared.request().runId().value();
        Instant nominal = prepared.request().trigger().nominalTime();
        acks.add(ack.thenRun(() -> firedListener.accept(nominal, acked)));
      }
      String runId = lastId;
      bookkeeping.add(() -> record(st.schedule(), st.plan(), runId, st.due(), fires));
    }
    return true;
  }

  /**
   * A fire that failed part-way (a store or chain start refused) goes back into the index a second
   * later; the others of the cycle go on. What it sent already carries the same run ids next time.
   */
  private void retryLater(Schedule s, Instant now, RuntimeException cause) {
    LOG.warn("Scheduler {} could not fire schedule {}; trying again in a second: {}", id, s.jobName(), cause.toString());
    index.retryAt(s, now.plusSeconds(1));
  }

  /** After a fire: missed records, the index moved to the next fire time, the store's batch update. */
  private void record(Schedule s, FiringPlan plan, String runId, Instant at, List<ScheduleStore.Fire> fires) {
    for (Instant missed : plan.missed()) {
      emitter.missed(ScheduleOutput.missed(s, missed, plan.missedReason(), at));
    }
    String status = runId != null ? "queued" : plan.missed().isEmpty() ? s.lastRunStatus() : "missed";
    Schedule updated = s.fired(at, runId != null ? runId : s.lastRunId(), status, plan.next());
    index.put(updated);
    fires.add(new ScheduleStore.Fire(s.jobName(), at, updated.lastRunId(), status, plan.next()));
  }

  /** Whether the schedule's last run has not ended (a run not yet in history counts as going, for a while). */
  private boolean previousRunning(Schedule s, Instant now) {
    if (s.lastRunId() == null || s.overlapPolicy() == io.jobline.schedule.Overlap.ALLOW) {
      return false;
    }
    Optional<RunRecord> last = runs.find(s.lastRunId());
    if (last.isEmpty()) {
      return s.lastRunAt() != null && Duration.between(s.lastRunAt(), now).compareTo(UNMATERIALIZED_RUN_GRACE) < 0
          && "queued".equals(s.lastRunStatus());
    }
    return last.get().status() == null || !last.get().status().isTerminal();
  }

  /** How many active schedules the leader holds in memory (0 on a replica that does not lead). */
  public synchronized int loadedSchedules() {
    return index.size();
  }

  public boolean isLeader() {
    return leader;
  }

  public boolean isAlive() {
    return loop.isAlive();
  }

  public Instant lastCycle() {
    return lastCycle;
  }

  @Override
  public void stop() throws InterruptedException {
    loop.stop();
  }
}
