package io.jobline.executor;

import io.dropwizard.lifecycle.Managed;
import io.jobline.job.JobDefinition;
import io.jobline.job.JobRegistry;
import io.jobline.job.ParamsValidator;
import io.jobline.topic.KafkaSettings;
import io.jobline.topic.Topics;
import io.jobline.wire.EventType;
import io.jobline.wire.Json;
import io.jobline.wire.JobRequest;
import io.jobline.wire.RunEvent;
import io.jobline.wire.RunId;
import io.jobline.wire.Trigger;
import io.jobline.wire.WireLimits;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The executor role. The poll thread reads {@code jobline.requests}, dead-letters what cannot run
 * and queues the rest; it starts queued runs while a worker slot, the job's concurrency and the
 * tenant's cap allow, each on its own thread. Polling never waits on a job; offsets are committed
 * only up to work whose end Kafka has acknowledged. Each run attempt is claimed in Mongo, so it
 * executes at most once at a time across executors and is taken over when its executor dies.
 */
public final class Executor implements Managed {
  private static final Logger LOG = LoggerFactory.getLogger(Executor.class);
  static final AtomicLong DUPLICATES = new AtomicLong();

  private final KafkaSettings kafka;
  private final ExecutorSettings settings;
  private final JobRegistry registry;
  private final ExecutorParts parts;
  private final Clock clock;
  private final String executorId;
  private final ParamsValidator validator = new ParamsValidator();
  private final OffsetTracker offsets = new OffsetTracker();
  private final AtomicLong deadLettered = new AtomicLong();
  private final AtomicLong started = new AtomicLong();

  // owned by the poll thread
  private final Deque<Pending> waiting = new ArrayDeque<>();
  private final Map<String, Integer> runningByJob = new HashMap<>();
  private final Map<String, Integer> runningByTenant = new HashMap<>();
  private final java.util.Set<String> runningKeys = new java.util.HashSet<>();
  private int runningCount;
  // handed back by run threads
  private final Queue<Pending> finishedQueue = new ConcurrentLinkedQueue<>();
  private final Queue<Pending> heldQueue = new ConcurrentLinkedQueue<>();
  private final Map<RunExecution, Boolean> executions = new ConcurrentHashMap<>();

  private volatile boolean running;
  private volatile Instant lastPoll;
  private volatile boolean crashed;
  private volatile Thread pollThread;
  private KafkaConsumer<byte[], byte[]> consumer;
  private EventPublisher events;
  private DeadLetters deadLetters;
  private ControlListener control;
  private ExecutorService threads;
  private ScheduledExecutorService watchdog;

  public Executor(KafkaSettings kafka, ExecutorSettings settings, JobRegistry registry,
      ExecutorParts parts, Clock clock) {
    this.kafka = kafka;
    this.settings = settings;
    this.registry = registry;
    this.parts = parts;
    this.clock = clock;
    this.executorId = settings.executorId != null ? settings.executorId
        : "executor-" + ProcessHandle.current().pid() + "-" + Long.toHexString(System.nanoTime() & 0xffff);
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
    props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) settings.sessionTimeout.toMilliseconds());
    props.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, (int) Math.max(500, settings.sessionTimeout.toMilliseconds() / 4));
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, executorId);
    consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    events = new EventPublisher(kafka);
    deadLetters = new DeadLetters(kafka);
    threads = Executors.newCachedThreadPool(named("jobline-run"));
    watchdog = Executors.newScheduledThreadPool(1, named("jobline-watchdog"));
    control = new ControlListener(kafka, executorId, this::cancel);
    control.start();
    running = true;
    pollThread = new Thread(this::pollLoop, "jobline-executor-poll");
    pollThread.start();
    LOG.info("Executor {} started with {} workers (at most {} per tenant) and jobs {}", executorId,
        settings.workers, settings.tenantCap(), registry.all().stream().map(JobDefinition::name).toList());
  }

  private void pollLoop() {
    consumer.subscribe(List.of(Topics.REQUESTS.name()), new Rebalance());
    long lastCommit = 0;
    boolean paused = false;
    try {
      while (running) {
        try {
          lastPoll = clock.instant();
          for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
            accept(record);
          }
        } catch (WakeupException woken) {
          if (!running) {
            break;
          }
          // a run finished: its slot goes to the next waiting record right away
        }
        dispatch();
        boolean full = offsets.inFlight() >= settings.maxInFlight;
        if (full != paused) {
          if (full) {
            consumer.pause(consumer.assignment());
          } else {
            consumer.resume(consumer.paused());
          }
          paused = full;
        }
        if (System.currentTimeMillis() - lastCommit >= settings.commitInterval.toMilliseconds()) {
          commit(false);
          lastCommit = System.currentTimeMillis();
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
      consumer.close();
    }
  }

  /** Takes one record: queues it, or dead-letters it with the reason; no record can stop the loop. */
  private void accept(ConsumerRecord<byte[], byte[]> record) {
    TopicPartition tp = new TopicPartition(record.topic(), record.partition());
    long offset = record.offset();
    offsets.taken(tp, offset);
    Runnable done = () -> offsets.finished(tp, offset);
    try {
      admit(record, tp, offset, done);
    } catch (RuntimeException e) {
      LOG.warn("Request at {}@{} could not be accepted; it goes to the dead-letter topic: {}", tp, offset, e.toString());
      reject(record, "could not be accepted: " + e, null, done);
    }
  }

  private void admit(ConsumerRecord<byte[], byte[]> record, TopicPartition tp, long offset, Runnable done) {
    JobRequest request;
    try {
      request = Topics.REQUESTS.valueSerde().deserializer().deserialize(record.topic(), record.value());
    } catch (RuntimeException e) {
      reject(record, "unparseable: " + e.getMessage(), Salvage.ids(record.value()), done);
      return;
    }
    if (request == null) {
      reject(record, "empty record value", null, done);
      return;
    }
    if (request.runId() == null) {
      request = request.withRunId(RunId.forRecord(record.topic(), record.partition(), offset));
    }
    if (request.trigger() == null) {
      request = request.withTrigger(Trigger.topic());
    }
    if (request.jobName() == null || request.jobName().isBlank()) {
      reject(record, "missing field job_name", request, done);
      return;
    }
    Optional<WireLimits.Violation> uncarriable = request.violation();
    if (uncarriable.isPresent()) {
      reject(record, "cannot be carried: " + uncarriable.get(), request, done);
      return;
    }
    Optional<JobDefinition> job = registry.find(request.jobName());
    if (job.isEmpty()) {
      reject(record, "unknown job '" + request.jobName() + "'", request, done);
      return;
    }
    List<String> violations = validator.violations(job.get().descriptor(),
        request.params() == null ? Json.object() : request.params());
    if (!violations.isEmpty()) {
      reject(record, "invalid params: " + String.join("; ", violations), request, done);
      return;
    }
    waiting.add(new Pending(job.get(), request, tp, done, null));
  }

  private void reject(ConsumerRecord<byte[], byte[]> record, String reason, JobRequest request, Runnable done) {
    deadLettered.incrementAndGet();
    if (request != null && request.runId() != null) {
      events.publish(new RunEvent(request.runId(), 1, EventType.FAILED, clock.instant(), executorId,
          request.attemptOrFirst(), 0, Json.object().put("error", reason)
              .put("job_name", request.jobName()).put("tenant_id", request.tenantId())));
    }
    deadLetters.send(record, reason, done);
  }

  /** Frees the slots of finished runs, re-queues held ones, and starts what may start now. */
  private void dispatch() {
    Pending p;
    while ((p = finishedQueue.poll()) != null) {
      release(p);
    }
    while ((p = heldQueue.poll()) != null) {
      release(p);
      waiting.addFirst(p);
    }
    Instant now = clock.instant();
    for (Iterator<Pending> it = waiting.iterator(); it.hasNext() && runningCount < settings.workers; ) {
      Pending next = it.next();
      if (next.notBefore() != null && next.notBefore().isAfter(now)) {
        continue;
      }
      String job = next.job().name();
      int jobCap = next.job().descriptor().maxConcurrency();
      if (jobCap > 0 && runningByJob.getOrDefault(job, 0) >= jobCap) {
        continue;
      }
      if (runningByTenant.getOrDefault(next.tenantKey(), 0) >= settings.tenantCap()) {
        continue;
      }
      if (runningKeys.contains(next.claimKey())) {
        continue; // a duplicate of a run going on here: it waits, then finds the attempt done
      }
      it.remove();
      runningKeys.add(next.claimKey());
      runningCount++;
      runningByJob.merge(job, 1, Integer::sum);
      runningByTenant.merge(next.tenantKey(), 1, Integer::sum);
      started.incrementAndGet();
      threads.execute(new RunExecution(next, parts, events, settings, executorId, clock, watchdog,
          new Tracking(), new Outcomes()));
    }
  }

  private void release(Pending p) {
    runningKeys.remove(p.claimKey());
    runningCount--;
    runningByJob.merge(p.job().name(), -1, Integer::sum);
    runningByTenant.merge(p.tenantKey(), -1, Integer::sum);
  }

  /** A cancel arrived: stop the run's attempt if it runs here (waiting ones are checked when they start). */
  private void cancel(String runId, int upToAttempt) {
    executions.keySet().stream().filter(e -> e.request().runId().value().equals(runId)
            && e.request().attemptOrFirst() <= upToAttempt)
        .forEach(e -> {
          RunContext ctx = e.context();
          if (ctx != null) {
            ctx.requestStop(RunContext.CANCEL);
          }
        });
  }

  private void commit(boolean sync) {
    Map<TopicPartition, OffsetAndMetadata> ready = offsets.committable();
    if (ready.isEmpty()) {
      return;
    }
    if (sync) {
      consumer.commitSync(ready);
      offsets.markCommitted(ready);
    } else {
      consumer.commitAsync(ready, (committed, error) -> {
        if (error == null) {
          offsets.markCommitted(committed);
        } else {
          LOG.warn("Offset commit failed; will retry: {}", error.toString());
        }
      });
    }
  }

  /** Asks running jobs to stop, waits up to the drain period, commits what finished. */
  private void drain() {
    executions.keySet().forEach(e -> {
      RunContext ctx = e.context();
      if (ctx != null) {
        ctx.requestStop(RunContext.SHUTDOWN);
      }
    });
    long deadline = System.currentTimeMillis() + settings.drain.toMilliseconds();
    while (runningCount > 0 && System.currentTimeMillis() < deadline) {
      Pending p;
      while ((p = finishedQueue.poll()) != null) {
        release(p);
      }
      while ((p = heldQueue.poll()) != null) {
        release(p);
      }
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
    if (runningCount > 0) {
      LOG.warn("{} run(s) did not finish within the drain period of {}; they are released and "
          + "will be delivered again", runningCount, settings.drain);
      executions.keySet().forEach(e -> e.abandonSilently(true));
    }
    events.flush();
    deadLetters.close();
    try {
      try {
        commit(true);
      } catch (WakeupException pendingWakeup) {
        commit(true);
      }
    } catch (RuntimeException e) {
      LOG.warn("Final offset commit failed; unfinished records will be delivered again: {}", e.toString());
    }
  }

  @Override
  public void stop() throws Exception {
    running = false;
    Thread t = pollThread;
    if (t != null) {
      t.join(settings.drain.toMilliseconds() + 30_000);
    }
    shutdownClients();
  }

  /**
   * Dies as a killed process would, for failure tests: no drain, no commit, no further events,
   * claims left to expire. Its jobs' threads may go on but can no longer publish anything.
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
    if (events != null) {
      events.close();
    }
    watchdog.shutdownNow();
    threads.shutdownNow();
  }

  /** When the poll loop last went round (null before it first did). */
  public Instant lastPoll() {
    return lastPoll;
  }

  public Clock clock() {
    return clock;
  }

  public boolean isPolling() {
    Thread t = pollThread;
    return running && t != null && t.isAlive();
  }

  public long deadLettered() {
    return deadLettered.get();
  }

  public long startedRuns() {
    return started.get();
  }

  /** Deliveries skipped because the same run attempt had already ended (process-wide). */
  public static long duplicatesSkipped() {
    return DUPLICATES.get();
  }

  private final class Tracking implements RunExecution.Running {
    @Override
    public void add(RunExecution execution) {
      executions.put(execution, Boolean.TRUE);
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
  }

  private final class Outcomes implements RunExecution.Outcome {
    @Override
    public void finished(Pending pending) {
      finishedQueue.add(pending);
      wakeIfWaiting();
    }

    @Override
    public void heldElsewhere(Pending pending, Instant until) {
      heldQueue.add(pending.later(until.plusMillis(50)));
      wakeIfWaiting();
    }

    private void wakeIfWaiting() {
      if (running && !crashed) {
        consumer.wakeup();
      }
    }
  }

  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      try {
        commit(true);
      } catch (RuntimeException e) {
        LOG.warn("Commit on revocation failed: {}", e.toString());
      }
      partitions.forEach(offsets::forget);
      // waiting records of those partitions go to their new owner
      waiting.removeIf(p -> partitions.contains(p.partition()));
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {}

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      partitions.forEach(offsets::forget);
    }
  }

  private static java.util.concurrent.ThreadFactory named(String prefix) {
    AtomicLong n = new AtomicLong();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
