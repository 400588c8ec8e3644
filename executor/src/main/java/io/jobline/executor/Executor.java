package io.jobline.executor;

import io.dropwizard.lifecycle.Managed;
import io.jobline.job.JobDefinition;
import io.jobline.job.JobRegistry;
import io.jobline.job.ParamsValidator;
import io.jobline.topic.FinishedOffsets;
import io.jobline.topic.KafkaSettings;
import io.jobline.topic.Topics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The executor role: a thin Kafka loop. The poll thread reads the request lanes ({@link
 * LaneConsumer}; the {@link RequestReader} queues, moves or dead-letters each record), keeps the
 * partitions' leases ({@link LeaseKeeper}) and commits ({@link EventTransaction}); the {@link
 * Dispatcher} starts queued runs on worker threads while slots and caps allow. Polling never waits
 * on a job.
 *
 * <p>Exactly-once per attempt without a store round trip per run: each partition is executed under
 * a {@link PartitionLeases lease} whose epoch is the fencing token of its runs; an attempt's events
 * and the offset of its request are committed in one Kafka transaction, with the offsets finished
 * above the committed one in its metadata ({@link FinishedOffsets}). So a redelivered request that
 * already ended is skipped, a run whose executor died is run again under a higher epoch, and a
 * frozen executor that wakes after losing its partitions can neither commit what it did since (the
 * group fences its transaction) nor start anything (its lease has lapsed). A run still going when
 * its partition moves to another executor is handed over under a claim of its own ({@link
 * Rebalance}), so it never runs in two places at once.
 */
public final class Executor implements Managed {
  private static final Logger LOG = LoggerFactory.getLogger(Executor.class);

  /** How long a clean stop waits for the group coordinator to take its leave. */
  private static final Duration LEAVE_TIMEOUT = Duration.ofSeconds(2);

  /**
   * How often, at most, a full main lane sheds the surplus of capped jobs ({@link
   * OverflowMover#moveCapped}).
   */
  private static final long CAPPED_MOVE_EVERY = 500_000_000L;

  private long lastCappedMove = System.nanoTime() - CAPPED_MOVE_EVERY;

  private final KafkaSettings kafka;
  private final ExecutorSettings settings;
  private final JobRegistry registry;
  private final ExecutorParts parts;
  private final Clock clock;
  private final String executorId;
  private OffsetTracker offsets;
  private final EventPublisher events = new EventPublisher();
  private final Map<TopicPartition, OwnedPartition> owned = new ConcurrentHashMap<>();

  /** Attempts whose partition this executor lost: their events are dropped, never committed. */
  private final Fences fenced = new Fences();

  private final LeaseKeeper leases;

  /** Whether the events topic has as many partitions as the requests (events follow requests). */
  private boolean coPartitioned;

  private volatile boolean running;
  private volatile Thread pollThread;
  private volatile Instant lastPoll;

  /** Whether the poll thread is in (or about to enter) a poll that waits. */
  private volatile boolean idlePolling;

  private LaneConsumer consumer;
  private EventTransaction transaction;
  private DeadLetters deadLetters;
  private ControlListener control;

  /** How long a starting executor waits to have read the cancels on the topic. */
  static final Duration CANCELS_READ_WITHIN = Duration.ofSeconds(30);

  private ExecutorService threads;
  private ScheduledThreadPoolExecutor watchdog;
  private ScheduledThreadPoolExecutor renewer;
  private OverflowPace pace;
  private Lanes lanes;
  private volatile Dispatcher dispatcher;
  private volatile Runs runs;
  private volatile RequestReader reader;

  public Executor(
      KafkaSettings kafka,
      ExecutorSettings settings,
      JobRegistry registry,
      ExecutorParts parts,
      Clock clock) {
    this.kafka = kafka;
    this.settings = settings;
    this.registry = registry;
    this.parts = parts;
    this.clock = clock;
    this.executorId = settings.executorIdOrDefault();
    this.leases =
        new LeaseKeeper(
            parts.leases(),
            executorId,
            Duration.ofMillis(settings.claimTtl.toMilliseconds()),
            clock);
  }

  public String executorId() {
    return executorId;
  }

  /**
   * Starts the clients, the poll loop and the dispatcher. If that fails, what it had started is
   * closed and the cause thrown (found by review: a Kafka client refusing its settings showed only
   * the NullPointerException of the stop that followed).
   */
  @Override
  public void start() {
    try {
      startAll();
    } catch (RuntimeException e) {
      try {
        stop();
        if (pollThread == null) { // (else the poll loop closed them as it ended)
          if (consumer != null) {
            consumer.close(LEAVE_TIMEOUT);
          }
          if (transaction != null) {
            transaction.close();
          }
        }
      } catch (Exception closing) {
        e.addSuppressed(closing);
      }
      throw e;
    }
  }

  private void startAll() {
    offsets = OffsetTracker.forBrokers(kafka, executorId);
    consumer = new LaneConsumer(kafka, settings, executorId, owned, offsets);
    transaction = new EventTransaction(kafka, executorId, settings);
    deadLetters = new DeadLetters(transaction);
    threads = Executors.newCachedThreadPool(DaemonThreads.named("jobline-run"));
    watchdog = new ScheduledThreadPoolExecutor(1, DaemonThreads.named("jobline-watchdog"));
    watchdog.setRemoveOnCancelPolicy(true);
    renewer = new ScheduledThreadPoolExecutor(1, DaemonThreads.named("jobline-claim-renewer"));
    renewer.setRemoveOnCancelPolicy(true);
    leases.start(owned.values(), DaemonThreads.named("jobline-lease-keeper"));
    control = new ControlListener(kafka, executorId, (run, attempt) -> runs.cancel(run, attempt));
    // a tenant's share of the bytes in flight, as its share of the count (overflowAfter of
    // maxInFlight, a tenth by default)
    lanes =
        new Lanes(settings.overflowAfter, settings.maxInFlightBytes.toBytes() / 10, Pending::bytes);
    pace = OverflowPace.forTarget(settings.overflowTarget.toMilliseconds(), System.nanoTime());
    RunEnvironment env =
        new RunEnvironment(executorId, settings, parts, events, clock, watchdog, renewer);
    runs = new Runs(env, owned, leases, fenced, control, threads);
    dispatcher = new Dispatcher(new Dispatcher.Context(env, owned, lanes, pace, runs));
    control.start();
    awaitCancels();
    events.onEvent(this::wakeIfWaiting);
    running = true;
    pollThread = new Thread(this::pollLoop, "jobline-executor-poll");
    pollThread.start();
    dispatcher.start(() -> running);
    LOG.info(
        "Executor {} started with {} workers (at most {} per tenant) and jobs {}",
        executorId,
        settings.workers,
        settings.tenantCap(),
        registry.all().stream().map(JobDefinition::name).toList());
  }

  /**
   * Waits (up to {@link #CANCELS_READ_WITHIN}) until the cancels already on {@code jobline.control}
   * are read: a run cancelled while this executor was down started here before its cancel was read,
   * then stopped part-way (found by review).
   */
  private void awaitCancels() {
    try {
      if (!control.awaitReplay(CANCELS_READ_WITHIN)) {
        LOG.warn(
            "Executor {} did not read jobline.control within {}; it starts taking requests anyway,"
                + " and a run cancelled meanwhile may start before its cancel is read",
            executorId,
            CANCELS_READ_WITHIN);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void pollLoop() {
    int requestPartitions = consumer.partitionsFor(Topics.REQUESTS.name());
    coPartitioned = requestPartitions == transaction.partitionsFor(Topics.EVENTS.name());
    boolean overflowAligned =
        requestPartitions == transaction.partitionsFor(Topics.REQUESTS_OVERFLOW.name());
    OverflowMover mover =
        new OverflowMover(
            executorId,
            dispatcher,
            transaction,
            overflowAligned,
            offsets,
            new MoveQueue(settings.moveQueue.toBytes()));
    reader =
        new RequestReader(
            new Intake(registry, new ParamsValidator()),
            offsets,
            owned,
            lanes,
            dispatcher,
            mover,
            new Refusals(executorId, clock, events, deadLetters, dispatcher));
    consumer.subscribe(
        new Rebalance(
            executorId,
            consumer,
            owned,
            offsets,
            dispatcher,
            runs,
            leases,
            new Rebalance.Steps(
                this::commitNow,
                this::fence,
                this::voidTransaction,
                this::forgetMoves,
                tp -> dispatcher.forgetEnded(events.takeEnds(tp)))));
    try {
      while (running) {
        try {
          boolean idle = events.isEmpty() && reader.mover().queue().isEmpty();
          idlePolling = idle;
          if (idle && !events.isEmpty()) {
            idlePolling = false; // something arrived just now: do not wait for it
            idle = false;
          }
          consumer.rewindOwed(dispatcher::ranHere);
          var records = consumer.poll(idle ? Duration.ofMillis(50) : Duration.ZERO);
          if (!records.isEmpty() && settings.overflowAfter > 0) { // counts only the lanes need
            dispatcher.recount();
          }
          for (ConsumerRecord<byte[], byte[]> record : records) {
            reader.accept(record);
          }
          idlePolling = false;
        } catch (WakeupException woken) {
          idlePolling = false;
          if (!running) {
            break;
          }
          // an event is waiting or a slot came free: go on at once
        }
        lastPoll = clock.instant();
        reader.mover().report(pace);
        takeLeases();
        reader
            .refusals()
            .retryOnClaims(parts.claims(), Duration.ofMillis(settings.claimTtl.toMilliseconds()));
        dispatcher.signal();
        send();
        reader.mover().moveBetweenPolls(consumer::behind); // the dispatcher has what was read
        if (consumer.mainLaneFull() && System.nanoTime() - lastCappedMove > CAPPED_MOVE_EVERY) {
          lastCappedMove = System.nanoTime();
          reader.mover().moveCapped(settings.overflowAfter);
        }
        maybeCommit(transaction.commitNow());
        consumer.readOnlyWhatFits(reader.mover().queue());
      }
    } catch (WakeupException e) {
      // stop() woke the consumer
    } catch (RuntimeException e) {
      LOG.error("Executor poll loop stopped by an unexpected error; restart the executor", e);
    } finally {
      drain();
      // a clean stop leaves the group, so its partitions move at once rather than after the session
      // times out (and the close does not end with a warning about the unanswered leave)
      consumer.close(LEAVE_TIMEOUT);
      transaction.close();
    }
  }

  private void forgetMoves(Collection<TopicPartition> partitions) {
    reader.mover().queue().drop(partitions);
    reader.mover().forget(partitions);
    reader.refusals().dropOnClaims(partitions);
  }

  /**
   * Takes the leases of assigned partitions that lack one, and gives up those whose hold lapsed:
   * their runs are fenced, what ended there while the lease held goes out with the other
   * partitions' work (a zombie's commit is refused by the group, and then everything is read
   * again), and their requests are read again under the next lease.
   */
  private void takeLeases() {
    LeaseKeeper.Changes changes = leases.take(owned.values());
    if (!changes.lapsed().isEmpty()) {
      changes.lapsed().forEach(this::fence);
      send();
      if (maybeCommit(true)) {
        rewind(changes.lapsed(), false);
      }
    }
    if (changes.changed()) {
      consumer.readOnlyLeased();
    }
  }

  /** Puts the events waiting in the outbox into the open transaction (not those of fenced runs). */
  private void send() {
    transaction.sendEvents(
        events.drain(fenced, dispatcher::forgetEnded, consumer::owes), coPartitioned);
  }

  /**
   * Sends what waits and commits now.
   *
   * @return whether what finished is committed (false: the transaction was void, and the owned
   *     partitions read again)
   */
  private boolean commitNow() {
    send();
    return maybeCommit(true);
  }

  /**
   * Commits the events sent and the offsets finished since the last commit in one transaction,
   * every {@code commitInterval} (or now, when {@code force}). If Kafka refuses, what the
   * transaction held is void: the partitions still owned are read again from their last commit.
   *
   * @return false if the commit failed (and every partition owned was read again)
   */
  private boolean maybeCommit(boolean force) {
    if (!force && !transaction.due()) {
      return true;
    }
    Map<TopicPartition, OffsetAndMetadata> ready =
        offsets.committable(owned.keySet(), tp -> owned.get(tp).skip);
    switch (transaction.commit(ready, consumer.groupMetadata())) {
      case COMMITTED -> {
        offsets.markCommitted(ready);
        reader.mover().committed();
      }
      case VOID -> {
        rewind(owned.keySet(), true);
        return false;
      }
      default -> {}
    }
    return true;
  }

  /** Voids the open transaction, if any (its events never count), and reads all owned again. */
  private void voidTransaction() {
    if (transaction.isOpen()) {
      transaction.abort();
      rewind(owned.keySet(), true);
    }
  }

  /**
   * Reads {@code partitions} again from their last committed offsets. After an abort ({@code
   * afterAbort}), the attempts whose ends it held are forgotten too, to run again; ends not sent
   * yet stay, and go out with their offsets in the next transaction.
   */
  private void rewind(Collection<TopicPartition> partitions, boolean afterAbort) {
    if (afterAbort) {
      dispatcher.forgetEnded(transaction.takeVoided()); // before the copies waiting are dropped
    }
    Set<TopicPartition> mine = consumer.owning(partitions);
    if (mine.isEmpty()) {
      return;
    }
    dispatcher.drop(mine);
    reader.mover().queue().drop(mine);
    reader.refusals().dropOnClaims(mine);
    if (afterAbort) {
      reader.mover().forgetUncommitted();
    }
    consumer.rewind(mine, dispatcher::ranHere);
  }

  /** Stops the runs of a partition this executor lost; drops whatever they publish from now on. */
  private void fence(TopicPartition tp) {
    // the same lease (and epoch) taken back would take the requests read again for the fenced runs
    leases.fenced(tp);
    dispatcher.fence(tp);
  }

  /** Stops the jobs (up to the drain period), commits what finished, hands the leases over. */
  private void drain() {
    dispatcher.awaitStop();
    dispatcher.stopRuns(Duration.ofMillis(settings.drain.toMilliseconds()));
    boolean committed = false;
    try {
      committed = commitNow();
    } catch (RuntimeException e) {
      LOG.warn("Final commit failed; unfinished records will be delivered again: {}", e.toString());
    }
    for (OwnedPartition o : owned.values()) {
      if (o.leased) {
        // what finished since the last commit is in a transaction that did not commit: the note
        // names none of it, or the next owner would skip requests whose ends never counted (what
        // finished before is in the committed offsets' metadata; found by review)
        boolean done = committed;
        leases.handOver(
            o,
            committed ? offsets.finishedSinceCommit(o.tp) : Set.of(),
            o.stillRunning(Map.of(), offset -> done && offsets.finishedHere(o.tp, offset)),
            offsets.committedOffset(o.tp));
      }
    }
  }

  @Override
  public void stop() throws Exception {
    running = false;
    Thread t = pollThread;
    if (t != null) {
      consumer.wakeup();
      t.join(settings.drain.toMilliseconds() + 30_000);
    }
    shutdownClients();
  }

  /** Closes what {@link #start()} made, as far as it got. */
  private void shutdownClients() throws InterruptedException {
    if (control != null) {
      control.close();
    }
    if (renewer != null) {
      renewer.shutdownNow();
    }
    if (watchdog != null) {
      watchdog.shutdownNow();
    }
    leases.stop();
    if (threads != null) {
      threads.shutdownNow();
    }
  }

  public boolean isPolling() {
    Thread t = pollThread;
    return running && t != null && t.isAlive();
  }

  /** When the poll loop last went round (null before it first did). */
  public Instant lastPoll() {
    return lastPoll;
  }

  public Clock clock() {
    return clock;
  }

  public long deadLettered() {
    RequestReader r = reader;
    return r == null ? 0 : r.refusals().count();
  }

  /** Jobs running on this executor now (what a stop waits for). */
  public int runningJobs() {
    Dispatcher d = dispatcher;
    return d == null ? 0 : d.executions().size();
  }

  public long startedRuns() {
    Dispatcher d = dispatcher;
    return d == null ? 0 : d.started();
  }

  /** Requests of the main lane read and not finished: waiting to start, or running. */
  public int requestsInFlight() {
    OffsetTracker o = offsets;
    return o == null ? 0 : o.inFlight(Topics.REQUESTS.name());
  }

  /** Requests this executor moved to the overflow lane, their tenant having a backlog here. */
  public long divertedRequests() {
    RequestReader r = reader;
    return r == null ? 0 : r.mover().moved();
  }

  /** Deliveries this executor skipped because the same run attempt had already ended. */
  public long duplicatesSkipped() {
    Dispatcher d = dispatcher;
    return d == null ? 0 : d.duplicates();
  }

  /**
   * Threads of runs abandoned here, having ignored stop and interrupt, that still run their jobs:
   * each holds a thread and its job's {@code maxConcurrency} count until it leaves (a restart frees
   * them).
   */
  public long abandonedThreads() {
    Dispatcher d = dispatcher;
    return d == null ? 0 : d.abandonedThreads();
  }

  /**
   * Wakes the poll thread only if it waits in an idle poll: a wake-up set while it is busy would
   * make its next poll return without fetching anything, and at a run's rate that starves the
   * intake.
   */
  private void wakeIfWaiting() {
    if (idlePolling && running) {
      idlePolling = false;
      consumer.wakeup();
    }
  }
}
