package io.jobline.executor;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts waiting requests on worker threads, on a thread of its own: while a worker slot, the job's
 * concurrency and the tenant's cap allow, only on partitions whose lease is valid, and never the
 * same attempt twice at once. Run threads hand their slots back through it.
 */
final class Dispatcher {
  private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);
  private static final int RECENTLY_DONE = 50_000;

  /**
   * What the dispatcher reads of the executor around it: what runs share, the partitions owned, the
   * lanes and the overflow lane's pace, and the runs it starts.
   */
  record Context(
      RunEnvironment env,
      Map<TopicPartition, OwnedPartition> owned,
      Lanes lanes,
      OverflowPace pace,
      Runs runs) {}

  private final Context c;

  /** Guards the waiting requests and the slots: the poll thread queues while this one starts. */
  private final Object lock = new Object();

  /**
   * The waiting requests, in the order they were read, the overflow lane's apart from the main
   * lane's: in one queue the overflow pass stepped over every request of the main lane at each
   * dispatch, a third of the dispatch thread's time in a 100,000-job bench (JFR).
   */
  private final WaitingLanes waiting = new WaitingLanes();

  /** Queues {@code p} in its lane, last or first. */
  private void queue(Pending p, boolean first) {
    if (Lanes.isOverflow(p.partition()) && p.job().descriptor().maxConcurrency() > 0) {
      cappedInOverflow = true;
    }
    waiting.add(p, first);
  }

  /**
   * Set when a request of a job with a concurrency cap is queued in the overflow lane, and cleared
   * by a pass that finds none there: without it (the usual case) a pass does not look.
   */
  private boolean cappedInOverflow;

  /**
   * Per job with a concurrency cap, the oldest request time of its requests waiting in the overflow
   * lane, as this pass began: the main lane's requests of that job requested later wait for them
   * (moved aside while the main lane was full, they would otherwise start only once no request of
   * their job waited in the main lane).
   */
  private Map<String, Instant> cappedAside = Map.of();

  private Map<String, Instant> cappedAside() {
    if (!cappedInOverflow) {
      return Map.of();
    }
    Map<String, Instant> oldest = new HashMap<>();
    for (Pending p : waiting.lane(true)) {
      if (p.job().descriptor().maxConcurrency() > 0) {
        Instant at = p.request().requestedAt();
        oldest.merge(
            p.job().name(), at == null ? Instant.MIN : at, (a, b) -> a.isBefore(b) ? a : b);
      }
    }
    cappedInOverflow = !oldest.isEmpty();
    return oldest;
  }

  private final Slots slots;

  /**
   * The attempts that ended here lately, by claim key, marked as they end (run threads; its own
   * lock): a copy of one read again is a duplicate.
   */
  private final Map<String, EndMark> recentlyDone =
      Collections.synchronizedMap(
          new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, EndMark> eldest) {
              return size() > RECENTLY_DONE;
            }
          });

  // handed back by run threads
  private final Queue<Pending> finishedQueue = new ConcurrentLinkedQueue<>();
  private final Queue<Pending> heldQueue = new ConcurrentLinkedQueue<>();
  private final Queue<Pending> goneQueue = new ConcurrentLinkedQueue<>();

  /**
   * Runs being abandoned whose slot is not freed yet, counted by claim key (an attempt's end may
   * come back as a copy of its pending request, re-queued while its claim is held: found by
   * review): a release finding one keeps its job's count ({@link RunOutcome#abandoning}); the
   * thread leaving its job takes it back, or, if a release took it, the count down. Under its own
   * lock.
   */
  private final Map<String, Integer> abandoning = new HashMap<>();

  /** The jobs of abandoned runs whose threads have left them since: their counts go down. */
  private final Queue<String> jobsLeft = new ConcurrentLinkedQueue<>();

  /** Threads of abandoned runs still in their jobs (they hold a thread each until they leave). */
  private final AtomicLong abandonedThreads = new AtomicLong();

  private final AtomicLong duplicates = new AtomicLong();
  private final TakeOver takeOver;
  private volatile Thread thread;

  Dispatcher(Context context) {
    this.c = context;
    RunEnvironment env = context.env();
    ExecutorSettings s = env.settings();
    this.slots = new Slots(s.workers, s.overflowSlots(), s.tenantCap());
    this.takeOver =
        new TakeOver(
            env.parts().claims(),
            env.executorId(),
            Duration.ofMillis(s.claimTtl.toMilliseconds()),
            env.events(),
            env.parts().timers(),
            this::endedElsewhere);
  }

  /**
   * Marks the end of an attempt the takeover found ended at another executor and publishes again:
   * the other copies of its request are duplicates of that end, not takeovers publishing it once
   * more (with a fan-out's children, found by review).
   */
  private EndMark endedElsewhere(Pending p) {
    EndMark mark = new EndMark(p, true);
    recentlyDone.put(p.claimKey(), mark);
    return mark;
  }

  /** Starts what may start whenever signalled (a request came, a run ended) or 50 ms passed. */
  void start(BooleanSupplier running) {
    Thread t =
        new Thread(
            () -> {
              while (running.getAsBoolean()) {
                try {
                  synchronized (lock) {
                    dispatch();
                  }
                } catch (RuntimeException e) {
                  LOG.error(
                      "Executor {} could not start runs; trying again: {}",
                      c.env().executorId(),
                      e.toString(),
                      e);
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
              }
            },
            "jobline-executor-dispatch");
    t.setDaemon(true);
    thread = t;
    t.start();
  }

  void signal() {
    Thread t = thread;
    if (t != null) {
      LockSupport.unpark(t);
    }
  }

  /** Lets the dispatcher go round once more, then waits (up to 5 s) for it to stop. */
  void awaitStop() {
    Thread t = thread;
    if (t != null) {
      LockSupport.unpark(t);
      try {
        t.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Queues a request read. */
  void add(Pending p) {
    synchronized (lock) {
      queue(p, false);
    }
  }

  /** Takes the waiting requests {@code which} selects out of the queue. */
  List<Pending> take(Predicate<Pending> which) {
    synchronized (lock) {
      return waiting.removeIf(which);
    }
  }

  /** Whether the run attempt of {@code claimKey} runs here or ended here lately. */
  boolean ranOrRuns(String claimKey) {
    if (claimKey == null) {
      return false;
    }
    synchronized (lock) {
      if (slots.holds(claimKey)) {
        return true;
      }
    }
    return recentlyDone.containsKey(claimKey);
  }

  /** Whether the run attempt of {@code claimKey} runs here, ended here lately or waits here. */
  boolean runsOrWaits(String claimKey) {
    if (ranOrRuns(claimKey)) {
      return true;
    }
    synchronized (lock) {
      return waiting.copies(claimKey) > 0;
    }
  }

  /**
   * Whether a request of the run attempt of {@code claimKey} read from the main lane stays there:
   * the attempt runs here, ended here lately or waits in the main lane here. (One whose copy waits
   * in the overflow lane follows it there: kept here, it could run here while the overflow
   * partition's next owner ran the other, found by review.)
   */
  boolean staysWithItsCopy(String claimKey) {
    if (ranOrRuns(claimKey)) {
      return true;
    }
    synchronized (lock) {
      return waiting.copiesInMain(claimKey) > 0;
    }
  }

  /**
   * Takes out, to move to the overflow lane, the waiting requests {@code which} picks, except a
   * copy of a run attempt this executor runs, ended lately or holds waiting more than once: moved,
   * it would be read by the executor of the overflow partition, which knows nothing of the other
   * copy, and the same attempt could run on two executors at once (found by review). Left here, the
   * copy waits for its twin and is then dropped as a duplicate.
   */
  List<Pending> takeToMove(Predicate<Pending> which) {
    synchronized (lock) {
      // (counted before any is taken: of two copies waiting, neither moves)
      return waiting.removeIf(
          p -> which.test(p) && waiting.copies(p.claimKey()) < 2 && !ranOrRuns(p.claimKey()));
    }
  }

  /** Drops the waiting requests of {@code partitions} (they are read again, or go elsewhere). */
  void drop(Collection<TopicPartition> partitions) {
    synchronized (lock) {
      waiting.removeIf(p -> partitions.contains(p.partition()));
    }
  }

  /** Marks partitions being handed over (nothing more starts there) and drops what waits there. */
  void revoke(Collection<TopicPartition> partitions) {
    synchronized (lock) {
      partitions.forEach(
          tp -> {
            OwnedPartition o = c.owned().get(tp);
            if (o != null) {
              o.revoking = true;
            }
          });
      waiting.removeIf(p -> partitions.contains(p.partition()));
    }
  }

  /**
   * Forgets that these attempts ended here: their ends are void (in an aborted transaction, or
   * dropped before they went out), so they run again. The copies of their requests that waited on
   * them go back to wait for a slot (a partition read again drops them with the rest).
   */
  void forgetEnded(Collection<EndMark> voided) {
    if (voided.isEmpty()) {
      return;
    }
    Set<EndMark> gone = Collections.newSetFromMap(new IdentityHashMap<>());
    gone.addAll(voided);
    recentlyDone.values().removeIf(gone::contains);
    // the attempt runs again: the retry its void end set must not run the next one meanwhile, or
    // after it completes (found by review). Only while it is the one this end set: an executor
    // that took the partition over may have run the attempt again and set its own under that id
    for (EndMark m : voided) {
      if (m.retryTimer() != null) {
        try {
          c.env().parts().timers().deleteIfDue(m.retryTimer().id(), m.retryTimer().dueAt());
        } catch (RuntimeException e) {
          LOG.warn(
              "Could not delete retry timer {} of an end made void; its attempt may run alongside"
                  + " the one run again: {}",
              m.retryTimer().id(),
              e.toString());
        }
      }
    }
    synchronized (lock) {
      voided.forEach(m -> m.voided().forEach(p -> queue(p, false)));
    }
    signal();
  }

  /**
   * The offsets of {@code tp} whose attempts run or ended here (as far as this executor remembers):
   * read again, their requests are copies only this executor can tell.
   */
  Set<Long> ranHere(TopicPartition tp) {
    Set<Long> out = c.runs().offsetsOn(tp);
    synchronized (recentlyDone) {
      for (EndMark m : recentlyDone.values()) {
        if (m.partition().equals(tp)) {
          out.add(m.offset());
        }
      }
    }
    return out;
  }

  /** Counts the waiting requests per tenant for the lanes (poll thread). */
  void recount() {
    synchronized (lock) {
      c.lanes().recount(waiting.lane(false)); // (it counts the main lane's)
    }
  }

  Collection<RunExecution> executions() {
    return c.runs().all();
  }

  int running() {
    synchronized (lock) {
      return slots.running();
    }
  }

  long started() {
    return c.runs().started();
  }

  long duplicates() {
    return duplicates.get();
  }

  /**
   * Threads of runs abandoned here (they ignored stop and interrupt) that are still in their jobs:
   * each keeps a thread, and its job's {@code maxConcurrency} count, until it leaves.
   */
  long abandonedThreads() {
    return abandonedThreads.get();
  }

  /**
   * Asks running jobs to stop and waits up to {@code drain} for them; those still going then are
   * released without their end (their requests are delivered again).
   */
  void stopRuns(Duration drain) {
    c.runs().stopAll(StopReason.SHUTDOWN);
    long deadline = System.nanoTime() + drain.toNanos();
    while (running() > 0 && System.nanoTime() - deadline < 0) {
      releaseEnded();
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
    if (running() > 0) {
      LOG.warn(
          "{} run(s) did not finish within the drain period of {}; they are released and "
              + "will be delivered again",
          running(),
          drain);
      c.runs().all().forEach(e -> e.abandonSilently(true));
    }
  }

  /** Frees the slots of the runs that ended or left, without starting anything (during a drain). */
  private void releaseEnded() {
    synchronized (lock) {
      Pending p;
      while ((p = finishedQueue.poll()) != null) {
        release(p);
      }
      while ((p = heldQueue.poll()) != null) {
        release(p);
      }
      while ((p = goneQueue.poll()) != null) {
        release(p);
      }
      releaseJobsLeft();
    }
  }

  /** Now, by the executor's clock. */
  Instant now() {
    return c.env().clock().instant();
  }

  /**
   * Stops the runs of a partition lost, and drops whatever they publish from now on. Between
   * passes: a pass going on might launch a run there after the fence looked (found by review: it
   * ran, and its end was published, while the next owner ran its request again).
   */
  void fence(TopicPartition tp) {
    synchronized (lock) {
      OwnedPartition o = c.owned().get(tp);
      if (o != null) {
        o.hold.lapse(); // nothing more starts there, whatever waits to be queued again
      }
      c.runs().fence(tp);
      drop(List.of(tp));
    }
  }

  /** Frees the slots of finished runs, re-queues held ones, and starts what may start now. */
  private void dispatch() {
    Pending p;
    while ((p = finishedQueue.poll()) != null) {
      release(p);
    }
    while ((p = goneQueue.poll()) != null) {
      release(p);
    }
    while ((p = heldQueue.poll()) != null) {
      release(p);
      queue(p, true);
    }
    releaseJobsLeft();
    Instant now = c.env().clock().instant();
    List<Pending> later = new ArrayList<>();
    cappedAside = cappedAside();
    try {
      // the main lane first; the overflow lane then, on at most half the workers
      for (boolean overflowLane : new boolean[] {false, true}) {
        for (Iterator<Pending> it = waiting.iterator(overflowLane);
            it.hasNext() && slots.hasRoom(overflowLane); ) {
          startIfItMay(it.next(), it, now, later, overflowLane);
        }
      }
    } finally {
      // (taken out of their lane to wait: back in it, also when a claim's store failed meanwhile)
      later.forEach(l -> queue(l, false));
    }
  }

  /** One pass of the dispatcher (tests). */
  void dispatchOnce() {
    synchronized (lock) {
      dispatch();
    }
  }

  /** Starts a waiting request if its lease, its start time, its job's and tenant's caps allow. */
  private void startIfItMay(
      Pending next, Iterator<Pending> it, Instant now, List<Pending> later, boolean overflowLane) {
    OwnedPartition o = c.owned().get(next.partition());
    if (o == null) {
      it.remove(); // its partition went to another executor, which gets the request again
      return;
    }
    if (!o.mayStart(now)) {
      return; // nothing starts on a partition without a valid lease
    }
    if (next.notBefore() != null && next.notBefore().isAfter(now)) {
      return;
    }
    if (slots.holds(next.claimKey())) {
      return; // a duplicate of a run going on here: it waits, then finds the attempt done
    }
    EndMark ended = recentlyDone.get(next.claimKey());
    if (ended != null && (next.elsewhere() == null || ended.complete())) {
      // (a copy that names a claim goes through the takeover unless the end was sent whole: the
      // attempt may have ended here under that claim after its partition went elsewhere, and then
      // only the takeover publishes its end with a fan-out's children: found by review)
      it.remove(); // a duplicate of a run that ended here: done once that end is sent
      duplicates.incrementAndGet();
      ended.settle(next);
      return;
    }
    if (!overflowLane && !cappedAside.isEmpty()) {
      Instant aside = cappedAside.get(next.job().name());
      Instant at = next.request().requestedAt();
      if (aside != null && (at == null || aside.isBefore(at))) {
        return; // older requests of its job wait in the overflow lane: they start first
      }
    }
    if (slots.refusal(
            next.claimKey(),
            next.job().name(),
            next.job().descriptor().maxConcurrency(),
            next.tenantKey(),
            overflowLane)
        != null) {
      return; // its job or its tenant runs at its cap
    }
    if (next.elsewhere() != null) {
      // the previous owner still ran it when it lost the partition: wait for its claim to end
      Optional<Pending> claimed = takeOver.claim(next, next.leaseEpoch(o.epoch), now);
      it.remove();
      if (claimed.isEmpty()) {
        duplicates.incrementAndGet(); // it ended at the previous owner
      }
      if (claimed.isPresent() && claimed.get().notBefore() != null) {
        later.add(claimed.get());
      } else if (claimed.isPresent()) {
        start(claimed.get());
      }
      return;
    }
    long nanos = System.nanoTime();
    if (overflowLane && !c.pace().tryStart(nanos)) {
      return; // the main lane's tenants wait too long: the overflow lane slows down
    }
    if (!overflowLane
        && next.notBefore() == null
        && next.request().attemptOrFirst() == 1
        && next.request().requestedAt() != null
        && !c.lanes().isOverflowing(next.tenantKey(), nanos)) {
      c.pace()
          .mainStarted(
              Math.max(0, Duration.between(next.request().requestedAt(), now).toMillis()), nanos);
    }
    it.remove();
    start(next.withEpoch(next.leaseEpoch(o.epoch)));
  }

  /** The epoch of the lease this executor holds on {@code tp}, or 0 if it owns none. */
  long leaseEpoch(TopicPartition tp) {
    OwnedPartition o = c.owned().get(tp);
    return o == null ? 0 : o.epoch;
  }

  private void start(Pending p) {
    slots.take(p.claimKey(), p.job().name(), p.tenantKey(), Lanes.isOverflow(p.partition()));
    c.runs().launch(p, new Outcomes());
  }

  private void release(Pending p) {
    boolean jobStillRuns;
    synchronized (abandoning) {
      jobStillRuns = !abandoning.isEmpty() && takeAbandoning(p);
    }
    slots.give(
        p.claimKey(), p.job().name(), p.tenantKey(), Lanes.isOverflow(p.partition()), jobStillRuns);
  }

  /** Takes one abandoning of {@code p}'s attempt, if any is left. Under its lock. */
  private boolean takeAbandoning(Pending p) {
    Integer n = abandoning.get(p.claimKey());
    if (n == null) {
      return false;
    }
    if (n == 1) {
      abandoning.remove(p.claimKey());
    } else {
      abandoning.put(p.claimKey(), n - 1);
    }
    return true;
  }

  /** Takes the jobs' counts of abandoned runs whose threads have left them down. */
  private void releaseJobsLeft() {
    String job;
    while ((job = jobsLeft.poll()) != null) {
      slots.giveJob(job);
    }
  }

  /** What this dispatcher's runs report to (tests report as a run would). */
  RunOutcome outcomes() {
    return new Outcomes();
  }

  private final class Outcomes implements RunOutcome {
    @Override
    public EndMark finished(Pending pending) {
      return finished(pending, true);
    }

    @Override
    public EndMark finished(Pending pending, boolean complete) {
      EndMark mark = new EndMark(pending, complete);
      recentlyDone.put(pending.claimKey(), mark);
      finishedQueue.add(pending);
      signal();
      return mark;
    }

    @Override
    public void gone(Pending pending) {
      goneQueue.add(pending);
      signal();
    }

    @Override
    public void abandoning(Pending pending) {
      synchronized (abandoning) {
        abandoning.merge(pending.claimKey(), 1, Integer::sum);
      }
      abandonedThreads.incrementAndGet();
    }

    @Override
    public void jobLeft(Pending pending) {
      abandonedThreads.decrementAndGet();
      boolean released;
      synchronized (abandoning) {
        released = !takeAbandoning(pending); // (its release kept the job's count)
      }
      if (released) {
        jobsLeft.add(pending.job().name());
        signal();
      }
    }

    @Override
    public void heldElsewhere(Pending pending, Instant until) {
      heldQueue.add(pending.later(until.plusMillis(50)));
      signal();
    }
  }
}
