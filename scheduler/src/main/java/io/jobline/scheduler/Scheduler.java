package io.jobline.scheduler;

import io.dropwizard.lifecycle.Managed;
import io.jobline.run.RunRecord;
import io.jobline.schedule.Overlap;
import io.jobline.schedule.Schedule;
import io.jobline.schedule.ScheduleFiring;
import io.jobline.scheduler.lease.LeaderLease;
import io.jobline.scheduler.lease.LeaseStore;
import io.jobline.store.RunStore;
import io.jobline.store.ScheduleStore;
import io.jobline.store.TimerStore;
import io.jobline.topic.PreparedRequest;
import io.jobline.wire.JobRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler role. The replica holding the {@value #LEASE} lease keeps every active schedule in
 * an in-memory queue ordered by due time, sleeps until the earliest (or until a change or the
 * reload interval), fires what is due with run ids derived from (schedule, nominal time), applies
 * misfire and overlap policies, and fires due timers. It stops emitting as soon as its lease may
 * have lapsed, so a replica that was frozen cannot fire after another took over.
 */
public final class Scheduler implements Managed {
  private static final Logger LOG = LoggerFactory.getLogger(Scheduler.class);
  static final String LEASE = "scheduler-leader";

  /** How long before a fire time its requests are planned and serialized. */
  static final Duration PREPARE_AHEAD = Duration.ofMillis(800);

  /** How long a cycle waits for Kafka to take what it fired. */
  private static final Duration ACK_TIMEOUT = Duration.ofSeconds(60);

  private final ScheduleStore store;
  private final TimerStore timers;
  private final LeaderLease lease;
  private final RunStore runs;
  private final Emitter emitter;
  private final SchedulerSettings settings;
  private final Clock clock;
  private final String id;
  private final WakeableLoop loop = new WakeableLoop("jobline-scheduler", this::step, this::exit);
  private final ScheduleIndex index = new ScheduleIndex();
  private final StagedFires staged = new StagedFires();
  private final List<FireListener> fireListeners = new CopyOnWriteArrayList<>();
  private volatile boolean leader;
  private volatile Instant lastCycle;
  private final ChangeFeed feed = new ChangeFeed();

  /** Why a schedule's last try to fire failed, until it fires. */
  private final Map<String, String> failures = new HashMap<>();

  /** Why the last cycles failed as a whole (a store or Kafka down), until one succeeds. */
  private String outage;

  /** The first store failure of the cycle going on. */
  private RuntimeException storeError;

  /** Fires Kafka took whose bookkeeping the store did not take yet. */
  private final List<ScheduleStore.Fire> unrecorded = new ArrayList<>();

  public Scheduler(
      ScheduleStore store,
      TimerStore timers,
      LeaseStore leases,
      RunStore runs,
      Emitter emitter,
      SchedulerSettings settings,
      Clock clock) {
    this.store = store;
    this.timers = timers;
    this.runs = runs;
    this.emitter = emitter;
    this.settings = settings;
    this.clock = clock;
    this.id =
        settings.schedulerId != null
            ? settings.schedulerId
            : "scheduler-"
                + ProcessHandle.current().pid()
                + "-"
                + Long.toHexString(System.nanoTime() & 0xffff);
    this.lease =
        new LeaderLease(
            leases, LEASE, id, Duration.ofMillis(settings.leaseTtl.toMilliseconds()), clock);
  }

  /** Adds a listener told of every scheduled run Kafka took. */
  public void addFireListener(FireListener listener) {
    fireListeners.add(listener);
  }

  private void fired(Instant nominal, Instant acknowledged) {
    for (FireListener l : fireListeners) {
      l.fired(nominal, acknowledged);
    }
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
          staged
              .withdraw(); // an open hand-over would hold back its partitions until Kafka's timeout
        }
      }
    }
    return wait;
  }

  private void exit() {
    synchronized (this) {
      staged.withdraw();
    }
    lease.release();
  }

  /**
   * One cycle: hold or take the lease, catch up with changes, fire due timers and schedules.
   *
   * @return when something is next due, if the scheduler leads
   */
  public synchronized Optional<Instant> cycle() {
    try {
      Optional<Instant> next = cycleOnce();
      outage = null;
      return next;
    } catch (RuntimeException e) {
      if (outage == null) {
        outage = "the scheduler could not work from " + clock.instant() + ": " + e;
      }
      throw e;
    }
  }

  private Optional<Instant> cycleOnce() {
    Instant now = clock.instant();
    lastCycle = now;
    storeError = null;
    if (leader && staged.releaseDue(now) && leaseValid()) {
      fireSchedules(); // release first: the lease is known valid, and everything else can wait
    }
    boolean wasLeader = leader;
    try {
      leader = lease.acquire() > 0;
    } catch (RuntimeException e) {
      if (!leader || !leaseValid()) {
        throw e;
      }
      // the lease held is still good: keep firing from memory until it lapses on its own
      LOG.warn(
          "Scheduler {} cannot renew its lease ({}); it fires from memory until the lease lapses",
          id,
          e.toString());
      storeError = e;
    }
    if (leader != wasLeader) {
      LOG.info("Scheduler {} {} the leader lease", id, leader ? "holds" : "lost");
      if (leader) {
        try {
          emitter.lead();
        } catch (RuntimeException e) {
          LOG.warn(
              "Scheduler {} could not get its Kafka producer ready; it tries again at the first fire: {}",
              id,
              e.toString());
        }
      }
    }
    if (!leader) {
      index.clear();
      staged.clear();
      feed.forget();
      failures.clear();
      unrecorded.clear();
      return Optional.empty();
    }
    storeWork(this::refresh);
    storeWork(this::fireTimers);
    fireSchedules();
    stageUpcoming();
    handOverNext();
    Optional<Instant> nextTimer = Optional.empty();
    try {
      nextTimer = timers.earliest();
    } catch (RuntimeException e) {
      storeError = storeError == null ? e : storeError;
    }
    if (storeError != null) {
      throw storeError; // the fires went out; the cycle still failed, and the next one comes soon
    }
    return earliestOf(
        staged.earliest(),
        staged.nextHandOver(stageAhead(), clock.instant()),
        index.earliest().map(t -> t.minus(PREPARE_AHEAD)),
        nextTimer);
  }

  /**
   * Runs a step that needs the store; if the store fails, the cycle goes on from memory and fails
   * at its end.
   */
  private void storeWork(Runnable step) {
    try {
      step.run();
    } catch (RuntimeException e) {
      LOG.warn(
          "Scheduler {} could not use the store ({}); it goes on from memory", id, e.toString());
      storeError = storeError == null ? e : storeError;
    }
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
        LOG.info(
            "Handed {} requests over to Kafka {} ms ahead of their fire time, in {} ms",
            handed,
            Duration.between(now, staged.earliest().orElse(now)).toMillis(),
            (System.nanoTime() - t0) / 1_000_000);
      }
    } catch (RuntimeException e) {
      LOG.warn(
          "Scheduler {} could not hand requests over ahead; they are sent at their fire time: {}",
          id,
          e.toString());
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
      failures.remove(change.jobName());
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
    return lease.valid();
  }

  /**
   * Emits every due timer's request, then deletes the timer (a crash in between re-emits the same
   * run id).
   */
  private void fireTimers() {
    for (TimerStore.Timer timer : timers.due(clock.instant(), 1000)) {
      if (!leaseValid()) {
        return;
      }
      try {
        emitter.request(timer.request()).get(ACK_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        timers.delete(timer.id());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (ExecutionException | TimeoutException | RuntimeException e) {
        LOG.warn(
            "Scheduler {} could not fire timer {}; it stays and the due timers are tried again next cycle: {}",
            id,
            timer.id(),
            e.toString());
        return;
      }
    }
  }

  /**
   * Takes what falls due within {@link #PREPARE_AHEAD} out of the index and prepares it: plans it
   * for its due time and serializes its requests, so that at the due time only sends remain.
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
      Instant due = ScheduleFiring.dueAt(s);
      if (due.isBefore(now)) {
        due = now;
      }
      try {
        ScheduleFiring.Fire fire =
            ScheduleFiring.decide(s, due, previousRunning(s, now), whyLate(s));
        if (fire.waiting()) {
          waiting.add(s);
          continue;
        }
        List<PreparedRequest> requests = new ArrayList<>();
        for (JobRequest request : fire.requests()) {
          requests.add(emitter.prepare(request));
        }
        staged.put(new StagedFires.Fire(s, due, fire, requests));
      } catch (RuntimeException e) {
        retryLater(s, now, e);
      }
    }
    waiting.forEach(s -> index.retryAt(s, now.plusSeconds(1)));
    if (staged.size() - before >= 100) {
      LOG.info(
          "Prepared {} fires in {} ms",
          staged.size() - before,
          (System.nanoTime() - t0) / 1_000_000);
    }
  }

  /** A fire whose output is on its way to Kafka; it counts once Kafka has taken all of it. */
  private record Sent(ScheduleFiring.Fire fire, List<CompletableFuture<?>> acks) {}

  /**
   * Fires everything due: first every request (and missed record) is handed to Kafka — that is what
   * lateness is measured on — then, as Kafka acknowledges each fire, the index moves to its next
   * fire time and the store gets the batch update. A fire Kafka does not take is tried again a
   * second later from the same fire time, never dropped; if that is past its grace, the misfire
   * policy decides, and what it records as missed names the failure.
   */
  private void fireSchedules() {
    List<Sent> sent = new ArrayList<>();
    Instant now = clock.instant();
    if (staged.releaseDue(now)) {
      if (!leaseValid()) {
        LOG.warn("Scheduler {} withdraws its staged requests: its lease may have lapsed", id);
        staged.withdraw();
        return;
      }
      if (!release(staged.takeHandedOver(), sent)) {
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
        sent.add(
            emit(
                st.decision(),
                st.requests(),
                p -> emitter.fire(st.schedule(), p).thenApply(x -> clock.instant())));
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
        ScheduleFiring.Fire fire =
            ScheduleFiring.decide(s, now, previousRunning(s, now), whyLate(s));
        if (fire.waiting()) {
          index.retryAt(s, now.plusSeconds(1));
          continue;
        }
        List<PreparedRequest> prepared = fire.requests().stream().map(emitter::prepare).toList();
        sent.add(emit(fire, prepared, p -> emitter.fire(s, p).thenApply(x -> clock.instant())));
      } catch (RuntimeException e) {
        retryLater(s, now, e);
      }
    }
    if (!sent.isEmpty()) {
      settle(sent, now);
    } else {
      recordFires();
    }
  }

  /**
   * What kept a schedule from firing earlier, if anything did: its own failed tries, or an outage.
   */
  private String whyLate(Schedule s) {
    return failures.getOrDefault(s.jobName(), outage);
  }

  /**
   * The one way a fire's output goes to Kafka, whichever path it takes (released after a hand-over
   * ahead, prepared ahead, or decided now): its missed records, then its requests as {@code send}
   * hands each over, its future completing with when Kafka took it (told to the fire listeners).
   */
  private Sent emit(
      ScheduleFiring.Fire fire,
      List<PreparedRequest> requests,
      Function<PreparedRequest, CompletableFuture<Instant>> send) {
    List<CompletableFuture<?>> acks = new ArrayList<>();
    fire.missed().forEach(m -> acks.add(emitter.missed(m)));
    for (PreparedRequest prepared : requests) {
      Instant nominal = prepared.request().trigger().nominalTime();
      acks.add(send.apply(prepared).thenAccept(acked -> fired(nominal, acked)));
    }
    return new Sent(fire, acks);
  }

  /** Waits for Kafka to take each fire; moves the ones it took on, and tries the others again. */
  private void settle(List<Sent> sent, Instant now) {
    List<ScheduleStore.Fire> fires = new ArrayList<>(sent.size());
    long deadline = System.nanoTime() + ACK_TIMEOUT.toNanos();
    int refused = 0;
    for (Sent x : sent) {
      Schedule s = x.fire().schedule();
      try {
        CompletableFuture.allOf(x.acks().toArray(CompletableFuture[]::new))
            .get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        index.put(x.fire().updated());
        fires.add(x.fire().record());
        failures.remove(s.jobName());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        retryLater(s, now, new IllegalStateException("interrupted while waiting for Kafka"));
        refused++;
      } catch (ExecutionException | TimeoutException e) {
        retryLater(
            s,
            now,
            new IllegalStateException(
                "Kafka did not take the fire: " + (e.getCause() != null ? e.getCause() : e), e));
        refused++;
      }
    }
    if (sent.size() >= 100 || refused > 0) {
      LOG.info(
          "Fired {} schedule(s) ({} tried again later); with their bookkeeping the cycle took {} ms",
          sent.size() - refused,
          refused,
          Duration.between(now, clock.instant()).toMillis());
    }
    unrecorded.addAll(fires);
    recordFires();
  }

  /**
   * Writes the bookkeeping of the fires Kafka took; kept for the next cycle while the store refuses
   * it.
   */
  private void recordFires() {
    if (unrecorded.isEmpty()) {
      return;
    }
    try {
      store.recordFires(List.copyOf(unrecorded));
      unrecorded.clear();
    } catch (RuntimeException e) {
      LOG.warn(
          "Scheduler {} could not record {} fire(s) in the store; it tries again next cycle: {}",
          id,
          unrecorded.size(),
          e.toString());
      storeError = storeError == null ? e : storeError;
    }
  }

  /**
   * Releases the requests handed over ahead: one commit makes all of them visible. If Kafka
   * refuses, they stay staged and are sent directly in a later cycle, once the lease has been
   * checked again (a replica fenced by a newer leader will find it has lost the lease).
   *
   * @return whether Kafka took them
   */
  private boolean release(StagedFires.HandedOver handed, List<Sent> sent) {
    Instant start = clock.instant();
    CompletableFuture<?> ack = handed.release().publish();
    Instant acked = clock.instant();
    if (handed.fires().size() >= 100) {
      LOG.info(
          "Released {} staged fires: began {} ms after they were due, took {} ms",
          handed.fires().size(),
          Duration.between(handed.due(), start).toMillis(),
          Duration.between(start, acked).toMillis());
    }
    if (ack.isCompletedExceptionally()) {
      handed.fires().forEach(staged::put);
      return false;
    }
    CompletableFuture<Instant> released = ack.thenApply(x -> acked);
    for (StagedFires.Fire st : handed.fires()) {
      sent.add(emit(st.decision(), st.requests(), p -> released));
    }
    return true;
  }

  /**
   * A fire that failed part-way (Kafka, a store or a chain start refused) goes back into the index
   * a second later, from the same fire time; the others of the cycle go on. What it sent already
   * carries the same run ids next time, and why it failed is kept for the missed records it may end
   * with.
   */
  private void retryLater(Schedule s, Instant now, RuntimeException cause) {
    LOG.warn(
        "Scheduler {} could not fire schedule {}; trying again in a second: {}",
        id,
        s.jobName(),
        cause.toString());
    failures.put(s.jobName(), cause.getMessage() == null ? cause.toString() : cause.getMessage());
    index.retryAt(s, now.plusSeconds(1));
  }

  /**
   * Whether the schedule's last run has not ended (a run not yet in history counts as going, for a
   * while).
   */
  private boolean previousRunning(Schedule s, Instant now) {
    if (s.lastRunId() == null || s.overlapPolicy() == Overlap.ALLOW) {
      return false;
    }
    Optional<RunRecord> last;
    try {
      last = runs.find(s.lastRunId());
    } catch (RuntimeException e) {
      // the store is down: judge by what the schedule itself recorded of its last run
      storeError = storeError == null ? e : storeError;
      last = Optional.empty();
    }
    return ScheduleFiring.previousRunning(s, last, now);
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
