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
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler role. The replica holding the {@value #LEASE} lease keeps every active schedule in
 * an in-memory queue ordered by due time, sleeps until the earliest (or until a change or the
 * reload interval), fires what is due with run ids derived from (schedule, nominal time), applies
 * misfire and overlap policies, and fires due timers. It stops emitting as soon as its lease may
 * have lapsed, so a replica that was frozen cannot fire after another took over.
 *
 * <p>This class is the loop that acts; its parts are {@link Leadership} (the lease), {@link
 * ScheduleSync} (the index in step with the store), {@link DueTimers}, {@link FireCycle} (what
 * fires, what is missed, what is prepared ahead, decided from memory alone), {@link StagedFires}
 * (what is handed over to Kafka ahead) and {@link FireOutput} (what goes to Kafka, and the
 * bookkeeping once Kafka took it).
 */
public final class Scheduler implements Managed {
  private static final Logger LOG = LoggerFactory.getLogger(Scheduler.class);
  static final String LEASE = "scheduler-leader";

  /** How long before a fire time its requests are planned and serialized. */
  static final Duration PREPARE_AHEAD = Duration.ofMillis(800);

  /**
   * How late a fire prepared ahead may still go as it was decided; a later one is decided again.
   */
  static final Duration DECIDE_AGAIN_AFTER = Duration.ofSeconds(1);

  private final TimerStore timers;
  private final Leadership leadership;
  private final RunStore runs;
  private final Emitter emitter;
  private final SchedulerSettings settings;
  private final Clock clock;
  private final String id;
  private final WakeableLoop loop = new WakeableLoop("jobline-scheduler", this::step, this::exit);
  private final ScheduleIndex index = new ScheduleIndex();
  private final StagedFires staged = new StagedFires();
  private final FireCycle fires;
  private final FireOutput output;
  private volatile Instant lastCycle;
  private final ScheduleSync sync;
  private final DueTimers dueTimers;

  /** The first store failure of the cycle going on. */
  private RuntimeException storeError;

  public Scheduler(
      ScheduleStore store,
      TimerStore timers,
      LeaseStore leases,
      RunStore runs,
      Emitter emitter,
      SchedulerSettings settings,
      Clock clock) {
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
    this.leadership =
        new Leadership(
            id,
            new LeaderLease(
                leases, LEASE, id, Duration.ofMillis(settings.leaseTtl.toMilliseconds()), clock),
            emitter);
    this.fires = new FireCycle(id, index, this::previousRunning);
    this.output =
        new FireOutput(id, emitter, store, clock, index, staged, fires, this::storeFailed);
    this.sync = new ScheduleSync(id, store, index, staged, fires, output, clock);
    this.dueTimers = new DueTimers(id, timers, runs, emitter, clock, this::leaseValid, this::poke);
  }

  /** Adds a listener told of every scheduled run Kafka took. */
  public void addFireListener(FireListener listener) {
    output.addListener(listener);
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
    leadership.release();
  }

  /**
   * One cycle: hold or take the lease, catch up with changes, fire due timers and schedules.
   *
   * @return when something is next due, if the scheduler leads
   */
  public synchronized Optional<Instant> cycle() {
    try {
      Optional<Instant> next = cycleOnce();
      fires.recovered();
      return next;
    } catch (RuntimeException e) {
      fires.outage("the scheduler could not work from " + clock.instant() + ": " + e);
      throw e;
    }
  }

  private Optional<Instant> cycleOnce() {
    Instant now = clock.instant();
    lastCycle = now;
    boolean storeAnswered = storeError == null; // (in the last cycle)
    storeError = null;
    if (leadership.leads() && staged.releaseDue(now) && leaseValid()) {
      // release first: the lease is known valid, and everything else can wait; but the changes
      // read since the hand-over first (one look at the watermark when there are none): a pause
      // or a delete there withdraws the fire handed over, which went out before (found by
      // review). Not while the store fails: a read waiting on it would hold the release up
      if (storeAnswered) {
        storeWork(sync::refresh);
      }
      fireSchedules();
    }
    if (!leadership.renew(this::storeFailed)) {
      index.clear();
      staged.clear();
      sync.forget();
      fires.clear();
      output.clear();
      return Optional.empty();
    }
    if (leadership.takenAnew()) {
      // what it knew may be stale: another replica may have led in between, firing and recording
      // what its index still shows due (its fires do not change a schedule's version, so the feed
      // does not bring them); load everything again, its own fires not yet recorded laid over
      // (found by review: it fired again what the other had fired). What its own fires met (a
      // Kafka outage) stays known: the reload shows whether they still are due
      index.clear();
      staged.clear();
      sync.forget();
    }
    storeWork(output::recordFires); // (before the changes are read: they then show it)
    storeWork(sync::refresh);
    storeWork(dueTimers::fire);
    fireSchedules();
    stageUpcoming();
    handOverNext();
    Optional<Instant> nextTimer = Optional.empty();
    try {
      nextTimer = dueTimers.nextLook(timers.earliest());
    } catch (RuntimeException e) {
      storeFailed(e);
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
      storeFailed(e);
    }
  }

  /** Keeps the first store failure of the cycle: the cycle goes on, and fails at its end. */
  private void storeFailed(RuntimeException e) {
    storeError = storeError == null ? e : storeError;
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

  private boolean leaseValid() {
    return leadership.valid();
  }

  /**
   * Takes what falls due within {@link #PREPARE_AHEAD} out of the index and prepares it: plans it
   * for its due time and serializes its requests, so that at the due time only sends remain.
   */
  private void stageUpcoming() {
    Instant now = clock.instant();
    long t0 = System.nanoTime();
    int before = staged.size();
    for (FireCycle.Decided d : fires.upcoming(now, now.plus(PREPARE_AHEAD))) {
      try {
        List<PreparedRequest> requests = new ArrayList<>();
        for (JobRequest request : d.fire().requests()) {
          requests.add(emitter.prepare(request));
        }
        staged.put(new StagedFires.Fire(d.schedule(), d.at(), d.fire(), requests, d.decideAtDue()));
      } catch (RuntimeException e) {
        fires.retryLater(d.schedule(), now, e);
      }
    }
    if (staged.size() - before >= 100) {
      LOG.info(
          "Prepared {} fires in {} ms",
          staged.size() - before,
          (System.nanoTime() - t0) / 1_000_000);
    }
  }

  /**
   * Fires everything due: first every request (and missed record) is handed to Kafka — that is what
   * lateness is measured on — then, as Kafka acknowledges each fire, the index moves to its next
   * fire time and the store gets the batch update. A fire Kafka does not take is tried again a
   * second later from the same fire time, never dropped; if that is past its grace, the misfire
   * policy decides, and what it records as missed names the failure.
   */
  private void fireSchedules() {
    List<FireOutput.Sent> sent = new ArrayList<>();
    Instant now = clock.instant();
    if (staged.releaseLate(now, DECIDE_AGAIN_AFTER)) {
      // handed to Kafka ahead, and its release held up past its time (a store read before it, a
      // pause): withdrawn, and decided again below like any prepared fire come late (found by
      // review of the fix for those)
      LOG.warn("Scheduler {} withdraws its staged requests: their release comes late", id);
      staged.withdraw();
    }
    if (staged.releaseDue(now)) {
      if (!leaseValid()) {
        LOG.warn("Scheduler {} withdraws its staged requests: its lease may have lapsed", id);
        staged.withdraw();
        return;
      }
      if (!output.release(staged.takeHandedOver(), sent)) {
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
      // (and one decided ahead while its previous run still went, which may have ended since:
      // found by review, a 1.5 s job every 2 s had every other fire missed under overlap: skip)
      if (st.decideAtDue() || st.due().plus(DECIDE_AGAIN_AFTER).isBefore(now)) {
        // prepared before something held the cycles up (a store outage; the lease renewed at the
        // same epoch after it): decided again now, so the misfire policy sees how late it is
        // (found by review: sent as decided, it ran 45 s late where skip recorded it missed)
        index.put(st.schedule());
        continue;
      }
      try {
        sent.add(output.fire(st.schedule(), st.decision(), st.requests()));
      } catch (RuntimeException e) {
        fires.retryLater(st.schedule(), now, e);
      }
    }
    Optional<Schedule> due;
    while ((due = fires.nextDue(now)).isPresent()) {
      if (!leaseValid()) {
        LOG.warn("Scheduler {} stops firing: its lease may have lapsed", id);
        index.put(due.get());
        break;
      }
      Schedule s = due.get();
      try {
        ScheduleFiring.Fire fire = fires.decide(s, now, now);
        if (fire.waiting()) {
          fires.waitForPrevious(s, now);
          continue;
        }
        List<PreparedRequest> prepared = fire.requests().stream().map(emitter::prepare).toList();
        sent.add(output.fire(s, fire, prepared));
      } catch (RuntimeException e) {
        fires.retryLater(s, now, e);
      }
    }
    if (!sent.isEmpty()) {
      output.settle(sent, now);
    } else {
      output.recordFires();
    }
  }

  /**
   * Whether the schedule's last run has not ended (a run not yet in history counts as going, for a
   * while).
   */
  private ScheduleFiring.Previous previousRunning(Schedule s, Instant now) {
    if (s.lastRunId() == null || s.overlapPolicy() == Overlap.ALLOW) {
      return ScheduleFiring.Previous.NONE;
    }
    Optional<RunRecord> last;
    try {
      last = runs.find(s.lastRunId());
    } catch (RuntimeException e) {
      // the store is down: judge by what the schedule itself recorded of its last run
      storeFailed(e);
      last = Optional.empty();
    }
    return ScheduleFiring.Previous.of(s, last, now);
  }

  /** How many active schedules the leader holds in memory (0 on a replica that does not lead). */
  public synchronized int loadedSchedules() {
    return index.size();
  }

  public boolean isLeader() {
    return leadership.leads();
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
