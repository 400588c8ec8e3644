package io.jobline.executor;

import io.dropwizard.lifecycle.Managed;
import io.jobline.job.JobDefinition;
import io.jobline.job.JobRegistry;
import io.jobline.job.ParamsValidator;
import io.jobline.topic.FinishedOffsets;
import io.jobline.topic.KafkaSettings;
import io.jobline.topic.Topics;
import io.jobline.wire.EventType;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The executor role. The poll thread reads {@code jobline.requests}, dead-letters what cannot run
 * and queues the rest; it starts queued runs while a worker slot, the job's concurrency and the
 * tenant's cap allow, each on a worker thread. Polling never waits on a job.
 *
 * <p>Exactly-once per attempt without a store round trip per run: each partition is executed under
 * a {@link PartitionLeases lease} whose epoch is the fencing token of its runs; an attempt's events
 * and the offset of its request are committed in one Kafka transaction, with the offsets finished
 * above the committed one in its metadata ({@link FinishedOffsets}). So a redelivered request that
 * already ended is skipped, a run whose executor died is run again under a higher epoch, and a
 * frozen executor that wakes after losing its partitions can neither commit what it did since (the
 * group fences its transaction) nor start anything (its lease has lapsed). A run still going when
 * its partition moves to another executor is handed over under a claim of its own, so it never runs
 * in two places at once and the partition's other requests do not wait for it.
 */
public final class Executor implements Managed {
  private static final Logger LOG = LoggerFactory.getLogger(Executor.class);
  private static final int RECENTLY_DONE = 50_000;

  /** Overflow-lane starts per second an executor never goes below, and never above. */
  private static final double OVERFLOW_FLOOR = 50;

  private static final double OVERFLOW_CEILING = 100_000;

  private final KafkaSettings kafka;
  private final ExecutorSettings settings;
  private final JobRegistry registry;
  private final Intake intake;
  private final ExecutorParts parts;
  private final Clock clock;
  private final String executorId;
  private final OffsetTracker offsets = new OffsetTracker();
  private final AtomicLong deadLettered = new AtomicLong();
  private final AtomicLong started = new AtomicLong();
  private final AtomicLong diverted = new AtomicLong();
  private final AtomicLong duplicates = new AtomicLong();
  private final EventPublisher events = new EventPublisher();

  /**
   * Guards the queue of waiting requests and the counts of what runs: the dispatcher thread starts
   * runs while the poll thread reads and commits (a commit waits on Kafka; starting runs need not).
   */
  private final Object lock = new Object();

  private final Map<TopicPartition, Owned> owned = new ConcurrentHashMap<>();
  private final Deque<Pending> waiting = new ArrayDeque<>();

  /** Worker slots and their caps (under the lock). */
  private final Slots slots;

  private final Map<String, Boolean> recentlyDone =
      new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
          return size() > RECENTLY_DONE;
        }
      };

  /** Which lane each request read waits in (poll thread only). */
  private Lanes lanes;

  /** How fast the overflow lane may start runs (dispatcher only, under the lock). */
  private OverflowPace pace;

  /**
   * Whether the overflow lane has as many partitions as the main one (a moved request keeps its
   * number).
   */
  private boolean overflowAligned;

  private boolean inTransaction;

  /**
   * Whether jobline.requests and jobline.events have as many partitions (events then follow their
   * request's).
   */
  private boolean coPartitioned;

  private boolean sentSinceCommit;

  /**
   * Whether too many requests of the main lane are in flight to read more of it (poll thread only).
   */
  private boolean full;

  /**
   * Whether too many requests of the overflow lane are in flight to read more of it (poll thread
   * only).
   */
  private boolean overflowFull;

  /**
   * Partitions read so far past their first unfinished offset that the offsets finished in between
   * would not fit in the commit's metadata: not read further until that offset moves (poll thread
   * only).
   */
  private Set<TopicPartition> spanFull = Set.of();

  /** How far past its first unfinished offset a partition is read, with room for one more poll. */
  private static final int SPAN_LIMIT = FinishedOffsets.MAX_SPAN - 2 * 1000;

  private long lastCommitNanos = System.nanoTime();
  private long lastMovedReportNanos = System.nanoTime();
  private long movedAtLastReport;

  /**
   * Requests moved to the overflow lane in the open transaction (poll thread only). They stay in
   * flight until it commits, so a burst is moved at most {@code maxInFlight} per commit: at half of
   * that the transaction commits at once rather than at the next {@code commitInterval}.
   */
  private int movedSinceCommit;

  // handed back by run threads
  private final Queue<Pending> finishedQueue = new ConcurrentLinkedQueue<>();
  private final Queue<Pending> heldQueue = new ConcurrentLinkedQueue<>();
  private final Queue<Pending> goneQueue = new ConcurrentLinkedQueue<>();
  private final Map<RunExecution, Boolean> executions = new ConcurrentHashMap<>();

  /** How long a clean stop waits for the group coordinator to take its leave. */
  private static final Duration LEAVE_TIMEOUT = Duration.ofSeconds(2);

  /** Attempts whose partition this executor lost: their events are dropped, never committed. */
  private final Fences fenced = new Fences();

  /**
   * Partitions whose executions this executor fenced since it last took their lease: it takes the
   * next one anew.
   */
  private final Set<TopicPartition> fencedSinceLease = ConcurrentHashMap.newKeySet();

  private volatile boolean running;
  private volatile boolean crashed;
  private volatile Thread pollThread;
  private volatile Thread dispatcher;
  private volatile Instant lastPoll;

  /** Whether the poll thread is in (or about to enter) a poll that waits. */
  private volatile boolean idlePolling;

  private KafkaConsumer<byte[], byte[]> consumer;
  private KafkaProducer<String, byte[]> producer;
  private DeadLetters deadLetters;
  private ControlListener control;
  private ExecutorService threads;
  private ScheduledThreadPoolExecutor watchdog;

  /**
   * Renews the leases held, off the poll thread: a poll loop held up by Kafka (a commit during a
   * broker restart) does not let them lapse, while a frozen process does.
   */
  private ScheduledThreadPoolExecutor leaseKeeper;

  /** A partition this executor was assigned: its lease, and what the previous owners left. */
  private static final class Owned {
    final TopicPartition tp;
    volatile boolean leased;
    volatile long epoch;

    /**
     * How long the lease may still be acted on by this executor's clock (a new one with each lease
     * taken).
     */
    volatile Hold hold = new Hold(Instant.EPOCH);

    /** Set while the partition is being handed over: nothing more starts on it. */
    volatile boolean revoking;

    /** When the lease keeper renews the lease next (lease keeper only). */
    Instant renewAt = Instant.EPOCH;

    Instant nextTry = Instant.EPOCH;

    /** Offsets already finished (by this partition's earlier owners), never run again. */
    final Set<Long> skip = new HashSet<>();

    /** Offsets whose runs still go on at the previous owner, under these claim keys. */
    final Map<Long, String> elsewhere = new HashMap<>();

    /** The previous owner's note, kept to read the partition again after an aborted transaction. */
    final Set<Long> noteFinished = new HashSet<>();

    final Map<Long, String> noteRunning = new HashMap<>();

    Owned(TopicPartition tp) {
      this.tp = tp;
    }
  }

  public Executor(
      KafkaSettings kafka,
      ExecutorSettings settings,
      JobRegistry registry,
      ExecutorParts parts,
      Clock clock) {
    this.kafka = kafka;
    this.settings = settings;
    this.registry = registry;
    this.intake = new Intake(registry, new ParamsValidator());
    this.slots = new Slots(settings.workers, settings.overflowSlots(), settings.tenantCap());
    this.parts = parts;
    this.clock = clock;
    this.executorId =
        settings.executorId != null
            ? settings.executorId
            : "executor-"
                + ProcessHandle.current().pid()
                + "-"
                + Long.toHexString(System.nanoTime() & 0xffff);
  }

  public String executorId() {
    return executorId;
  }

  @Override
  public void start() {
    Map<String, Object> props = kafka.clientProperties();
    props.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    // scheduled fires are handed over ahead in a transaction and must not run before it commits
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1000);
    // a fetch waits up to 10 ms for 16 KiB of requests rather than returning each small batch at
    // once:
    // far fewer fetches at a steady rate, for at most 10 ms more dispatch latency
    props.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 16 * 1024);
    props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 10);
    if (settings.overflowAfter > 0) {
      // one partition's backlog (a tenant's burst being moved to the overflow lane) is read in
      // slices,
      // so the records of the other partitions come between them
      props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 256 * 1024);
    }
    // a joining or leaving executor moves only the partitions that change hands; the rest keep
    // running
    // and each executor holds an even share of each lane (the cooperative-sticky assignor is the
    // fallback while executors of an older version are still in the group)
    props.put(
        ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
        List.of(LaneAssignor.class.getName(), CooperativeStickyAssignor.class.getName()));
    props.put(
        ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) settings.sessionTimeout.toMilliseconds());
    props.put(
        ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG,
        (int) Math.max(500, settings.sessionTimeout.toMilliseconds() / 4));
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, executorId);
    consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    producer = newProducer();
    deadLetters = new DeadLetters(kafka);
    threads = Executors.newCachedThreadPool(named("jobline-run"));
    watchdog = new ScheduledThreadPoolExecutor(1, named("jobline-watchdog"));
    watchdog.setRemoveOnCancelPolicy(true);
    leaseKeeper = new ScheduledThreadPoolExecutor(1, named("jobline-lease-keeper"));
    long beat = Math.max(50, settings.claimTtl.toMilliseconds() / 12);
    leaseKeeper.scheduleWithFixedDelay(this::renewLeases, beat, beat, TimeUnit.MILLISECONDS);
    control = new ControlListener(kafka, executorId, this::cancel);
    control.start();
    events.onEvent(this::wakeIfWaiting);
    lanes = new Lanes(settings.overflowAfter);
    pace =
        new OverflowPace(
            settings.overflowTarget.toMilliseconds(),
            OVERFLOW_FLOOR,
            OVERFLOW_CEILING,
            System.nanoTime());
    running = true;
    pollThread = new Thread(this::pollLoop, "jobline-executor-poll");
    pollThread.start();
    dispatcher = new Thread(this::dispatchLoop, "jobline-executor-dispatch");
    dispatcher.setDaemon(true);
    dispatcher.start();
    LOG.info(
        "Executor {} started with {} workers (at most {} per tenant) and jobs {}",
        executorId,
        settings.workers,
        settings.tenantCap(),
        registry.all().stream().map(JobDefinition::name).toList());
  }

  private KafkaProducer<String, byte[]> newProducer() {
    Map<String, Object> props = kafka.clientProperties();
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    props.put(ProducerConfig.BATCH_SIZE_CONFIG, 65536);
    props.put(ProducerConfig.CLIENT_ID_CONFIG, "jobline-executor-events-" + executorId);
    props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "jobline-executor-" + executorId);
    props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 30_000);
    // one transaction carries run events and requests moved to the overflow lane: values are
    // serialized here
    KafkaProducer<String, byte[]> p =
        new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    p.initTransactions();
    return p;
  }

  private void pollLoop() {
    int requestPartitions = consumer.partitionsFor(Topics.REQUESTS.name()).size();
    coPartitioned = requestPartitions == producer.partitionsFor(Topics.EVENTS.name()).size();
    overflowAligned =
        requestPartitions == producer.partitionsFor(Topics.REQUESTS_OVERFLOW.name()).size();
    consumer.subscribe(
        settings.overflowAfter > 0
            ? List.of(Topics.REQUESTS.name(), Topics.REQUESTS_OVERFLOW.name())
            : List.of(Topics.REQUESTS.name()),
        new Rebalance());
    try {
      while (running) {
        try {
          boolean idle = events.isEmpty();
          idlePolling = idle;
          if (idle && !events.isEmpty()) {
            idlePolling = false; // something arrived just now: do not wait for it
            idle = false;
          }
          var records = consumer.poll(idle ? Duration.ofMillis(50) : Duration.ZERO);
          if (!records.isEmpty() && settings.overflowAfter > 0) { // counts only the lanes need
            synchronized (lock) {
              lanes.recount(waiting);
            }
          }
          for (ConsumerRecord<byte[], byte[]> record : records) {
            accept(record);
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
        reportMoves();
        leases();
        signal();
        send();
        maybeCommit(movedSinceCommit >= settings.maxInFlight / 2);
        boolean full = offsets.inFlight(Topics.REQUESTS.name()) >= settings.maxInFlight;
        boolean overflowFull =
            offsets.inFlight(Topics.REQUESTS_OVERFLOW.name()) >= settings.overflowInFlight;
        Set<TopicPartition> spanFull = new HashSet<>();
        for (TopicPartition tp : owned.keySet()) {
          if (offsets.span(tp) >= SPAN_LIMIT) {
            spanFull.add(tp);
          }
        }
        if (full != this.full
            || overflowFull != this.overflowFull
            || !spanFull.equals(this.spanFull)) {
          this.full = full;
          this.overflowFull = overflowFull;
          this.spanFull = spanFull;
          readOnlyLeased();
        }
      }
    } catch (WakeupException e) {
      // stop() or crash() woke the consumer
    } catch (RuntimeException e) {
      LOG.error("Executor poll loop stopped by an unexpected error; restart the executor", e);
    } finally {
      if (!crashed) {
        drain();
      }
      // a clean stop leaves the group, so its partitions move at once rather than after the session
      // times out (and the close does not end with a warning about the unanswered leave); a crash
      // does not
      consumer.close(crashed ? Duration.ZERO : LEAVE_TIMEOUT);
      producer.close(Duration.ZERO);
    }
  }

  /**
   * Starts what may start whenever it is signalled (a request came, a run ended, a lease was taken)
   * or 50 ms passed.
   */
  private void dispatchLoop() {
    while (running) {
      try {
        synchronized (lock) {
          dispatch();
        }
      } catch (RuntimeException e) {
        LOG.error(
            "Executor {} could not start runs; trying again: {}", executorId, e.toString(), e);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
    }
  }

  /**
   * Reads only partitions whose lease this executor holds (their previous owner's note is known by
   * then), and none of a lane while too many of its requests are in flight.
   */
  private void readOnlyLeased() {
    List<TopicPartition> read = new ArrayList<>();
    List<TopicPartition> hold = new ArrayList<>();
    for (TopicPartition tp : consumer.assignment()) {
      Owned o = owned.get(tp);
      boolean laneFull = (Lanes.isOverflow(tp) ? overflowFull : full) || spanFull.contains(tp);
      (!laneFull && o != null && o.leased ? read : hold).add(tp);
    }
    consumer.pause(hold);
    consumer.resume(read);
  }

  private void signal() {
    Thread d = dispatcher;
    if (d != null) {
      LockSupport.unpark(d);
    }
  }

  /** Says every 10 s how many requests went to the overflow lane since, if any did. */
  private void reportMoves() {
    long now = System.nanoTime();
    if (now - lastMovedReportNanos < 10_000_000_000L) {
      return;
    }
    long moved = diverted.get();
    if (moved > movedAtLastReport) {
      LOG.info(
          "Executor {} moved {} requests of tenants with a backlog to the overflow lane in {} s; its pace is {} runs/s",
          executorId,
          moved - movedAtLastReport,
          (now - lastMovedReportNanos) / 1_000_000_000L,
          Math.round(pace.perSecond()));
    }
    movedAtLastReport = moved;
    lastMovedReportNanos = now;
  }

  /**
   * Takes one record: queues it, skips it (finished before), or dead-letters it; no record can stop
   * the loop.
   */
  private void accept(ConsumerRecord<byte[], byte[]> record) {
    TopicPartition tp = new TopicPartition(record.topic(), record.partition());
    long offset = record.offset();
    offsets.taken(tp, offset);
    Owned o = owned.get(tp);
    if (o != null && o.skip.remove(offset)) {
      offsets.finished(tp, offset); // its run ended at this partition's previous owner
      return;
    }
    Runnable done = () -> offsets.finished(tp, offset);
    String tenantKey =
        record.key() == null || Lanes.isOverflow(tp) || o != null && o.elsewhere.containsKey(offset)
            ? null
            : new String(record.key(), StandardCharsets.UTF_8);
    if (tenantKey != null && !lanes.staysInMainLane(tenantKey)) {
      if (lanes.firstMoveSinceRecount(tenantKey)) {
        moveWaiting(tenantKey);
      }
      divert(record, tenantKey, done);
      return;
    }
    try {
      admit(record, tp, offset, done, o == null ? null : o.elsewhere.remove(offset));
    } catch (RuntimeException e) {
      LOG.warn(
          "Request at {}@{} could not be accepted; it goes to the dead-letter topic: {}",
          tp,
          offset,
          e.toString());
      reject(record, "could not be accepted: " + e, null, done);
    }
  }

  private void admit(
      ConsumerRecord<byte[], byte[]> record,
      TopicPartition tp,
      long offset,
      Runnable done,
      String elsewhere) {
    Intake.Place at =
        new Intake.Place(
            record.topic(),
            record.partition(),
            offset,
            record.timestamp(),
            Lanes.isOverflow(tp) ? Origin.of(record) : null);
    Intake.Admission admission = intake.admit(record.value(), at);
    if (admission instanceof Intake.Refused refused) {
      reject(record, refused.reason(), refused.ids(), done);
    } else if (admission instanceof Intake.Admitted admitted) {
      synchronized (lock) {
        waiting.add(
            new Pending(
                admitted.job(), admitted.request(), tp, offset, done, null, elsewhere, 0, 0));
      }
    }
  }

  /**
   * Moves a request to the overflow lane, in the transaction that commits its offset: its tenant
   * (the record's key) has enough waiting here already. The record goes as it came — unread, so the
   * move is cheap — with its timestamp (the request time of a record without one) and a header
   * naming where it was first read (the run id of a record without one), so history knows it as the
   * run it saw on the main lane.
   */
  private void divert(ConsumerRecord<byte[], byte[]> record, String tenantKey, Runnable done) {
    begin();
    RecordHeaders headers = new RecordHeaders(record.headers().toArray());
    headers.remove(Origin.HEADER);
    headers.add(Origin.HEADER, Origin.of(record.topic(), record.partition(), record.offset()));
    producer.send(
        new ProducerRecord<>(
            Topics.REQUESTS_OVERFLOW.name(),
            overflowAligned ? record.partition() : null,
            record.timestamp() >= 0 ? record.timestamp() : null,
            tenantKey,
            record.value(),
            headers));
    sentSinceCommit = true;
    movedSinceCommit++;
    diverted.incrementAndGet();
    done.run();
  }

  /**
   * Moves the requests of an overflowing tenant still waiting in the main lane to the overflow lane
   * too (before the record that found it overflowing, so its order holds): waiting, they would keep
   * their partition's committed offset back while the offsets after them are moved on, and a
   * backlog of such offsets cannot all be remembered in the commit.
   */
  private void moveWaiting(String tenantKey) {
    List<Pending> moving = new ArrayList<>();
    synchronized (lock) {
      for (Iterator<Pending> it = waiting.iterator(); it.hasNext(); ) {
        Pending p = it.next();
        if (!Lanes.isOverflow(p.partition())
            && tenantKey.equals(p.tenantKey())
            && p.notBefore() == null
            && p.elsewhere() == null
            && p.claimEpoch() == 0) {
          it.remove();
          moving.add(p);
        }
      }
    }
    if (moving.isEmpty()) {
      return;
    }
    begin();
    for (Pending p : moving) {
      JobRequest r = p.request();
      RecordHeaders headers = new RecordHeaders();
      headers.add(
          Origin.HEADER, Origin.of(p.partition().topic(), p.partition().partition(), p.offset()));
      producer.send(
          new ProducerRecord<>(
              Topics.REQUESTS_OVERFLOW.name(),
              overflowAligned ? p.partition().partition() : null,
              r.requestedAt() == null ? null : r.requestedAt().toEpochMilli(),
              tenantKey,
              Topics.REQUESTS.valueSerde().serializer().serialize(Topics.REQUESTS.name(), r),
              headers));
      diverted.incrementAndGet();
      p.done().run();
    }
    sentSinceCommit = true;
  }

  private void reject(
      ConsumerRecord<byte[], byte[]> record, String reason, JobRequest request, Runnable done) {
    deadLettered.incrementAndGet();
    if (request != null && request.runId() != null) {
      events.publish(
          new RunEvent(
              request.runId(),
              1,
              EventType.FAILED,
              clock.instant(),
              executorId,
              request.attemptOrFirst(),
              0,
              Json.object()
                  .put("error", reason)
                  .put("job_name", request.jobName())
                  .put("tenant_id", request.tenantId())),
          record.partition());
    }
    deadLetters.send(record, reason, done);
  }

  /**
   * Takes the leases of assigned partitions that lack one, and gives up those whose hold lapsed
   * (the lease keeper could not renew it in time, or another executor took it): what was done there
   * since the last commit is void, and the partition is read again under a new lease.
   */
  private void leases() {
    boolean changed = false;
    List<TopicPartition> lapsed = new ArrayList<>();
    Instant now = clock.instant();
    Duration ttl = leaseTtl();
    for (Owned o : owned.values()) {
      try {
        if (!o.leased && !now.isBefore(o.nextTry)) {
          Optional<PartitionLeases.Taken> taken =
              parts
                  .leases()
                  .take(o.tp.toString(), executorId, now, ttl, fencedSinceLease.contains(o.tp));
          if (taken.isPresent()) {
            fencedSinceLease.remove(o.tp);
            o.epoch = taken.get().epoch();
            o.noteFinished.addAll(taken.get().finished());
            o.noteRunning.putAll(taken.get().stillRunning());
            o.skip.addAll(o.noteFinished);
            o.elsewhere.putAll(o.noteRunning);
            o.renewAt = now.plus(ttl.dividedBy(3));
            o.hold = new Hold(validity(now, ttl));
            o.leased = true;
            changed = true;
          } else {
            o.nextTry = now.plusMillis(500);
          }
        } else if (o.leased && !o.revoking && o.hold.lapsed(clock.instant())) {
          LOG.warn(
              "Executor {} no longer holds the lease of {} (it could not renew it in time, or another executor "
                  + "took it while this one was stalled); its runs there stop and their results are not committed",
              executorId,
              o.tp);
          o.leased = false;
          fence(o.tp);
          lapsed.add(o.tp);
          changed = true;
        }
      } catch (RuntimeException e) {
        LOG.warn("Executor {} could not take the lease of {}: {}", executorId, o.tp, e.toString());
        o.nextTry = now.plusSeconds(1);
      }
    }
    if (!lapsed.isEmpty()) {
      // what ended there while the lease held goes out with the other partitions' work (a zombie's
      // commit is refused by the group, and then everything is read again); the runs fenced just
      // now
      // are dropped from it, and their requests are read again under the next lease
      send();
      if (maybeCommit(true)) {
        rewind(lapsed, false);
      }
    }
    if (changed) {
      readOnlyLeased();
    }
  }

  /**
   * Renews each lease held when a third of its time has passed (lease keeper thread). A lease
   * another executor took, or one renewed only after its hold lapsed, is given up by the poll
   * thread.
   */
  private void renewLeases() {
    Duration ttl = leaseTtl();
    for (Owned o : owned.values()) {
      Instant now = clock.instant();
      if (!o.leased || o.revoking || now.isBefore(o.renewAt) || o.hold.lapsed(now)) {
        continue;
      }
      Hold hold = o.hold;
      try {
        if (parts.leases().renew(o.tp.toString(), executorId, o.epoch, now, ttl)) {
          if (hold.extend(validity(now, ttl))) {
            o.renewAt = now.plus(ttl.dividedBy(3));
          }
        } else {
          hold.lapse(); // another executor took it
        }
      } catch (RuntimeException e) {
        // tried again at the next beat; the hold lapses on its own if the store stays out of reach
        LOG.warn("Executor {} could not renew the lease of {}: {}", executorId, o.tp, e.toString());
      }
    }
  }

  private Duration leaseTtl() {
    return Duration.ofMillis(settings.claimTtl.toMilliseconds());
  }

  /**
   * Until when a lease renewed (or taken) at {@code at} may be acted on: a tenth short of its end.
   */
  static Instant validity(Instant at, Duration ttl) {
    return at.plus(ttl).minus(ttl.dividedBy(10));
  }

  /** Frees the slots of finished runs, re-queues held ones, and starts what may start now. */
  private void dispatch() {
    Pending p;
    while ((p = finishedQueue.poll()) != null) {
      release(p);
      recentlyDone.put(p.claimKey(), Boolean.TRUE);
    }
    while ((p = goneQueue.poll()) != null) {
      release(p);
    }
    while ((p = heldQueue.poll()) != null) {
      release(p);
      waiting.addFirst(p);
    }
    Instant now = clock.instant();
    List<Pending> later = new ArrayList<>();
    // the main lane first; the overflow lane then, on at most half the workers
    for (boolean overflowLane : new boolean[] {false, true}) {
      for (Iterator<Pending> it = waiting.iterator();
          it.hasNext() && slots.hasRoom(overflowLane); ) {
        Pending next = it.next();
        if (Lanes.isOverflow(next.partition()) != overflowLane) {
          continue;
        }
        startIfItMay(next, it, now, later, overflowLane);
      }
    }
    later.forEach(waiting::addLast);
  }

  /**
   * Starts a waiting request if its partition's lease, its start time, its job's and its tenant's
   * caps allow.
   */
  private void startIfItMay(
      Pending next, Iterator<Pending> it, Instant now, List<Pending> later, boolean overflowLane) {
    Owned o = owned.get(next.partition());
    if (o == null) {
      it.remove(); // its partition went to another executor, which gets the request again
      return;
    }
    if (!o.leased || o.revoking || o.hold.lapsed(now)) {
      return; // nothing starts on a partition without a valid lease
    }
    if (next.notBefore() != null && next.notBefore().isAfter(now)) {
      return;
    }
    if (slots.holds(next.claimKey())) {
      return; // a duplicate of a run going on here: it waits, then finds the attempt done
    }
    if (recentlyDone.containsKey(next.claimKey())) {
      it.remove(); // a duplicate of a run that ended here
      duplicates.incrementAndGet();
      next.done().run();
      return;
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
    Pending toRun = next.withEpoch(o.epoch);
    if (next.elsewhere() != null) {
      // the previous owner still ran it when it lost the partition: wait for its claim to end
      Optional<Pending> claimed = takeOver(next, o.epoch, now);
      it.remove();
      if (claimed.isPresent() && claimed.get().notBefore() != null) {
        later.add(claimed.get());
      } else if (claimed.isPresent()) {
        start(claimed.get());
      }
      return;
    }
    long nanos = System.nanoTime();
    if (overflowLane && !pace.tryStart(nanos)) {
      return; // the main lane's tenants wait too long: the overflow lane slows down
    }
    if (!overflowLane
        && next.notBefore() == null
        && next.request().attemptOrFirst() == 1
        && next.request().requestedAt() != null
        && !lanes.isOverflowing(next.tenantKey(), nanos)) {
      pace.mainStarted(
          Math.max(0, Duration.between(next.request().requestedAt(), now).toMillis()), nanos);
    }
    it.remove();
    start(toRun);
  }

  private void start(Pending p) {
    slots.take(p.claimKey(), p.job().name(), p.tenantKey(), Lanes.isOverflow(p.partition()));
    started.incrementAndGet();
    Hold hold =
        p.claimEpoch() > 0
            ? new Hold(validity(clock.instant(), leaseTtl())) // its own claim, just taken
            : owned.get(p.partition()).hold;
    RunExecution execution =
        new RunExecution(
            p,
            hold,
            parts,
            events,
            settings,
            executorId,
            clock,
            watchdog,
            new Tracking(),
            new Outcomes());
    executions.put(execution, Boolean.TRUE); // before it runs: a revocation must find it
    threads.execute(execution);
  }

  /**
   * A request whose run still went on at the partition's previous owner: if that attempt ended
   * there its end is published again and the request is done (empty); if it is still held, the
   * request comes back when the claim may have lapsed; else this executor claims it, one epoch
   * above both.
   */
  private Optional<Pending> takeOver(Pending p, long partitionEpoch, Instant now) {
    ClaimStore.Claim claim =
        parts
            .claims()
            .claim(
                p.elsewhere(),
                executorId,
                now,
                Duration.ofMillis(settings.claimTtl.toMilliseconds()));
    switch (claim.outcome()) {
      case ALREADY_DONE -> {
        if (claim.terminalEvent() != null) {
          events.publish(
              Topics.EVENTS
                  .valueSerde()
                  .deserializer()
                  .deserialize(
                      Topics.EVENTS.name(), claim.terminalEvent().getBytes(StandardCharsets.UTF_8)),
              p.partition().partition(),
              p.done());
        } else {
          p.done().run();
        }
        duplicates.incrementAndGet();
        return Optional.empty();
      }
      case HELD_ELSEWHERE -> {
        return Optional.of(p.later(claim.expiresAt().plusMillis(50)));
      }
      default -> {
        return Optional.of(p.claimed(Math.max(partitionEpoch, claim.epoch()), claim.epoch()));
      }
    }
  }

  private int running() {
    synchronized (lock) {
      return slots.running();
    }
  }

  private void release(Pending p) {
    slots.give(p.claimKey(), p.job().name(), p.tenantKey(), Lanes.isOverflow(p.partition()));
  }

  /** Puts the events waiting in the outbox into the open transaction. */
  private void send() {
    List<EventPublisher.Outgoing> out =
        events.drain(e -> !fenced.isFenced(e.runId().value() + ":" + e.attempt(), e.epoch()));
    if (out.isEmpty()) {
      return;
    }
    begin();
    for (EventPublisher.Outgoing o : out) {
      // on the partition number of its request, so history finds both in one task (when the counts
      // match)
      Integer partition = coPartitioned && o.partition() >= 0 ? o.partition() : null;
      producer.send(
          new ProducerRecord<>(
              Topics.EVENTS.name(),
              partition,
              o.event().runId().value(),
              Topics.EVENTS.valueSerde().serializer().serialize(Topics.EVENTS.name(), o.event())));
      o.sent().run();
    }
    sentSinceCommit = true;
  }

  private void begin() {
    if (!inTransaction) {
      producer.beginTransaction();
      inTransaction = true;
    }
  }

  /**
   * Commits the events sent and the offsets finished since the last commit in one transaction,
   * every {@code commitInterval} (or now, when {@code force}). If Kafka refuses, what the
   * transaction held is void: the partitions still owned are read again from their last commit.
   *
   * @return false if the commit failed (and every partition owned was read again)
   */
  private boolean maybeCommit(boolean force) {
    if (!force
        && System.nanoTime() - lastCommitNanos
            < settings.commitInterval.toMilliseconds() * 1_000_000L) {
      return true;
    }
    lastCommitNanos = System.nanoTime();
    Map<TopicPartition, OffsetAndMetadata> ready = offsets.committable(owned.keySet());
    if (ready.isEmpty() && !sentSinceCommit) {
      return true;
    }
    try {
      begin();
      if (!ready.isEmpty()) {
        producer.sendOffsetsToTransaction(ready, consumer.groupMetadata());
      }
      producer.commitTransaction();
      inTransaction = false;
      sentSinceCommit = false;
      movedSinceCommit = 0;
      offsets.markCommitted(ready);
      return true;
    } catch (ProducerFencedException | InvalidProducerEpochException fatal) {
      LOG.warn(
          "Executor {}'s transactional producer was fenced; starting a new one: {}",
          executorId,
          fatal.toString());
      producer.close(Duration.ZERO);
      producer = newProducer();
      inTransaction = false;
      rewind();
    } catch (KafkaException e) {
      LOG.warn(
          "Executor {} could not commit its runs' events and offsets; they are read again: {}",
          executorId,
          e.toString());
      abortAndRewind();
    }
    return false;
  }

  /**
   * Voids the open transaction (its events never count) and reads the owned partitions again from
   * their last commit.
   */
  private void abortAndRewind() {
    if (inTransaction) {
      try {
        producer.abortTransaction();
      } catch (KafkaException abortFailed) {
        producer.close(Duration.ZERO);
        producer = newProducer();
      }
      inTransaction = false;
    }
    rewind();
  }

  /**
   * After a transaction was aborted, every event it held is void: the owned partitions are read
   * again from their last committed offsets (a request whose run is still going here waits for it,
   * then finds it done).
   */
  private void rewind() {
    movedSinceCommit =
        0; // the moves were aborted with the transaction; they are read and moved again
    sentSinceCommit = false;
    rewind(owned.keySet(), true);
  }

  /**
   * Reads {@code partitions} again from their last committed offsets, skipping what the commit's
   * metadata and the previous owner's note say finished. After an abort, the runs that ended here
   * since the last commit are forgotten too ({@code afterAbort}): their ends were void.
   */
  private void rewind(Collection<TopicPartition> partitions, boolean afterAbort) {
    Set<TopicPartition> mine = new HashSet<>(partitions);
    mine.retainAll(owned.keySet());
    mine.retainAll(consumer.assignment());
    if (mine.isEmpty()) {
      return;
    }
    Map<TopicPartition, OffsetAndMetadata> committed =
        ThroughWakeups.call(() -> consumer.committed(mine));
    for (TopicPartition tp : mine) {
      OffsetAndMetadata at = committed.get(tp);
      offsets.forget(tp);
      synchronized (lock) {
        waiting.removeIf(p -> p.partition().equals(tp));
        if (afterAbort) {
          recentlyDone.clear();
        }
      }
      Owned o = owned.get(tp);
      o.skip.clear();
      o.skip.addAll(o.noteFinished);
      o.elsewhere.clear();
      o.elsewhere.putAll(o.noteRunning);
      if (at != null) {
        o.skip.addAll(FinishedOffsets.decode(at.offset(), at.metadata()));
        consumer.seek(tp, at);
      } else {
        consumer.seekToBeginning(List.of(tp));
      }
    }
  }

  /**
   * Stops the runs of a partition this executor lost, and drops whatever they publish from now on.
   */
  private void fence(TopicPartition tp) {
    // the same lease (and epoch) taken back would take the requests read again for the fenced
    // executions
    fencedSinceLease.add(tp);
    executions.keySet().stream()
        .filter(e -> e.pending().partition().equals(tp))
        .forEach(
            e -> {
              fenced.fence(e.pending().claimKey(), e.epoch());
              e.fence();
            });
    synchronized (lock) {
      waiting.removeIf(p -> p.partition().equals(tp));
    }
  }

  /**
   * A cancel arrived: stop the run's attempt if it runs here (waiting ones are checked when they
   * start).
   */
  private void cancel(String runId, int upToAttempt) {
    executions.keySet().stream()
        .filter(
            e ->
                e.request().runId().value().equals(runId)
                    && e.request().attemptOrFirst() <= upToAttempt)
        .forEach(
            e -> {
              RunContext ctx = e.context();
              if (ctx != null) {
                ctx.requestStop(StopReason.CANCEL);
              }
            });
  }

  /**
   * Asks running jobs to stop, waits up to the drain period, commits what finished, hands the
   * leases over.
   */
  private void drain() {
    Thread d = dispatcher;
    if (d != null) {
      LockSupport.unpark(d);
      try {
        d.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    executions
        .keySet()
        .forEach(
            e -> {
              RunContext ctx = e.context();
              if (ctx != null) {
                ctx.requestStop(StopReason.SHUTDOWN);
              }
            });
    long deadline = System.nanoTime() + settings.drain.toMilliseconds() * 1_000_000L;
    while (running() > 0 && System.nanoTime() - deadline < 0) {
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
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
    if (running() > 0) {
      LOG.warn(
          "{} run(s) did not finish within the drain period of {}; they are released and "
              + "will be delivered again",
          running(),
          settings.drain);
      executions.keySet().forEach(e -> e.abandonSilently(true));
    }
    deadLetters.close();
    try {
      send();
      maybeCommit(true);
    } catch (RuntimeException e) {
      LOG.warn("Final commit failed; unfinished records will be delivered again: {}", e.toString());
    }
    for (Owned o : owned.values()) {
      if (o.leased) {
        try {
          parts
              .leases()
              .handOver(
                  o.tp.toString(),
                  executorId,
                  o.epoch,
                  offsets.finishedSinceCommit(o.tp),
                  Map.of());
        } catch (RuntimeException e) {
          LOG.warn(
              "Could not hand the lease of {} over; it lapses on its own: {}", o.tp, e.toString());
        }
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

  /**
   * Dies as a killed process would, for failure tests: no drain, no commit, no further events,
   * leases left to expire. Its jobs' threads may go on but can no longer publish anything.
   */
  public void crash() throws Exception {
    crashed = true;
    running = false;
    executions.keySet().forEach(e -> e.abandonSilently(false));
    consumer.wakeup();
    Thread t = pollThread;
    if (t != null) {
      t.join(30_000);
    }
    shutdownClients();
  }

  private void shutdownClients() throws InterruptedException {
    control.close();
    watchdog.shutdownNow();
    leaseKeeper.shutdownNow();
    threads.shutdownNow();
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
    return deadLettered.get();
  }

  /** Jobs running on this executor now (what a stop waits for). */
  public int runningJobs() {
    return executions.size();
  }

  public long startedRuns() {
    return started.get();
  }

  /** Requests this executor moved to the overflow lane, their tenant having a backlog here. */
  public long divertedRequests() {
    return diverted.get();
  }

  /** Deliveries this executor skipped because the same run attempt had already ended. */
  public long duplicatesSkipped() {
    return duplicates.get();
  }

  /**
   * Wakes the poll thread only if it waits in an idle poll: a wake-up set while it is busy would
   * make its next poll return without fetching anything, and at a run's rate that starves the
   * intake.
   */
  private void wakeIfWaiting() {
    if (idlePolling && running && !crashed) {
      idlePolling = false;
      consumer.wakeup();
    }
  }

  private final class Tracking implements RunExecution.Running {
    @Override
    public void add(RunExecution execution) {
      JobRequest r = execution.request();
      if (control.isCancelled(r.runId().value(), r.attemptOrFirst())) {
        cancel(r.runId().value(), r.attemptOrFirst());
      }
    }

    @Override
    public void remove(RunExecution execution) {
      executions.remove(execution);
    }

    @Override
    public boolean isCancelled(String runId, int attempt) {
      return control.isCancelled(runId, attempt);
    }

    @Override
    public boolean isFenced(String claimKey, long epoch) {
      return fenced.isFenced(claimKey, epoch);
    }
  }

  private final class Outcomes implements RunExecution.Outcome {
    @Override
    public void finished(Pending pending) {
      finishedQueue.add(pending);
      signal();
    }

    @Override
    public void gone(Pending pending) {
      goneQueue.add(pending);
      signal();
    }

    @Override
    public void heldElsewhere(Pending pending, Instant until) {
      heldQueue.add(pending.later(until.plusMillis(50)));
      signal();
    }
  }

  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      if (partitions.isEmpty()) {
        return;
      }
      Map<TopicPartition, OffsetAndMetadata> committed =
          ThroughWakeups.call(() -> consumer.committed(new HashSet<>(partitions)));
      for (TopicPartition tp : partitions) {
        Owned o = new Owned(tp);
        OffsetAndMetadata at = committed.get(tp);
        if (at != null) {
          o.skip.addAll(FinishedOffsets.decode(at.offset(), at.metadata()));
        }
        owned.put(tp, o);
      }
      consumer.pause(partitions); // read once their lease is taken
      LOG.info("Executor {} was assigned {}", executorId, partitions);
    }

    /**
     * Commits what finished, hands runs still going over under claims of their own, and the leases
     * with a note.
     */
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      if (partitions.isEmpty()) {
        return;
      }
      synchronized (lock) {
        // nothing more starts there; what waits goes to the next owner
        partitions.forEach(
            tp -> {
              Owned o = owned.get(tp);
              if (o != null) {
                o.revoking = true;
              }
            });
        waiting.removeIf(p -> partitions.contains(p.partition()));
      }
      // each run still going on there continues under a claim of its own, so the next owner waits
      // for
      // it; one that ended already has its end in the outbox, and it goes out with the commit below
      Instant now = clock.instant();
      Duration ttl = Duration.ofMillis(settings.claimTtl.toMilliseconds());
      Map<TopicPartition, Map<Long, String>> stillRunning = new HashMap<>();
      for (TopicPartition tp : partitions) {
        Map<Long, String> going = new HashMap<>();
        stillRunning.put(tp, going);
        for (RunExecution e : executions.keySet()) {
          if (!e.pending().partition().equals(tp) || e.hasEnded()) {
            continue;
          }
          if (e.underClaim()) {
            going.put(
                e.pending().offset(), e.pending().claimKey()); // it runs under a claim already
            continue;
          }
          try {
            ClaimStore.Claim claim =
                parts.claims().claim(e.pending().claimKey(), executorId, now, ttl);
            if (claim.outcome() == ClaimStore.Outcome.CLAIMED) {
              if (e.continueUnderClaim(claim.epoch())) {
                going.put(e.pending().offset(), e.pending().claimKey());
              } else {
                parts.claims().release(e.pending().claimKey(), executorId, claim.epoch());
              }
              continue;
            }
          } catch (RuntimeException failed) {
            LOG.warn("Could not hand run {} over: {}", e.pending().claimKey(), failed.toString());
          }
          fenced.fence(e.pending().claimKey(), e.epoch());
          e.fence();
        }
      }
      try {
        send();
        maybeCommit(true);
      } catch (RuntimeException e) {
        LOG.warn("Commit on revocation failed: {}", e.toString());
      }
      for (TopicPartition tp : partitions) {
        Owned o = owned.remove(tp);
        Map<Long, String> going = stillRunning.get(tp);
        LOG.info(
            "Executor {} hands {} over{}",
            executorId,
            tp,
            going.isEmpty()
                ? ""
                : " with " + going.size() + " run(s) still going on here under claims");
        if (o != null && o.leased) {
          try {
            parts
                .leases()
                .handOver(
                    tp.toString(), executorId, o.epoch, offsets.finishedSinceCommit(tp), going);
          } catch (RuntimeException e) {
            LOG.warn(
                "Could not hand the lease of {} over; it lapses on its own: {}", tp, e.toString());
          }
        }
        offsets.forget(tp);
      }
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      // another executor has them already: nothing done here since the last commit may be committed
      LOG.warn(
          "Executor {} lost {} (it was too slow to stay in its group, a long pause or a stall); its runs there "
              + "stop, and nothing it did there since its last commit counts",
          executorId,
          partitions);
      for (TopicPartition tp : partitions) {
        fence(tp);
        owned.remove(tp);
        offsets.forget(tp);
      }
      if (inTransaction) {
        abortAndRewind();
      }
    }
  }

  private static ThreadFactory named(String prefix) {
    AtomicLong n = new AtomicLong();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
