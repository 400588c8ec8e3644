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
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
 * The executor role: consumes {@code jobline.requests}, runs each job on a bounded worker pool and
 * publishes its events. Polling never waits on a job; offsets are committed only up to work whose
 * terminal event Kafka has acknowledged; bad records go to the dead-letter topic.
 */
public final class Executor implements Managed {
  private static final Logger LOG = LoggerFactory.getLogger(Executor.class);

  private final KafkaSettings kafka;
  private final ExecutorSettings settings;
  private final JobRegistry registry;
  private final Clock clock;
  private final String executorId;
  private final ParamsValidator validator = new ParamsValidator();
  private final OffsetTracker offsets = new OffsetTracker();
  private final AtomicLong deadLettered = new AtomicLong();
  private final AtomicLong started = new AtomicLong();

  private volatile boolean running;
  private volatile Thread pollThread;
  private KafkaConsumer<byte[], byte[]> consumer;
  private EventPublisher events;
  private DeadLetters deadLetters;
  private ExecutorService workers;
  private ScheduledExecutorService watchdog;
  private JobRunner runner;

  public Executor(KafkaSettings kafka, ExecutorSettings settings, JobRegistry registry, Clock clock) {
    this.kafka = kafka;
    this.settings = settings;
    this.registry = registry;
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
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1000);
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, executorId);
    consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    events = new EventPublisher(kafka);
    deadLetters = new DeadLetters(kafka);
    workers = Executors.newFixedThreadPool(settings.workers, named("jobline-worker"));
    watchdog = Executors.newSingleThreadScheduledExecutor(named("jobline-watchdog"));
    runner = new JobRunner(events, executorId, clock, watchdog,
        Duration.ofMillis(settings.stopGrace.toMilliseconds()));
    running = true;
    pollThread = new Thread(this::pollLoop, "jobline-executor-poll");
    pollThread.start();
    LOG.info("Executor {} started with {} workers and jobs {}", executorId, settings.workers,
        registry.all().stream().map(JobDefinition::name).toList());
  }

  private void pollLoop() {
    consumer.subscribe(List.of(Topics.REQUESTS.name()), new Rebalance());
    long lastCommit = 0;
    boolean paused = false;
    try {
      while (running) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(50))) {
          accept(record);
        }
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
      // stop() woke the consumer
    } catch (RuntimeException e) {
      LOG.error("Executor poll loop stopped by an unexpected error; restart the executor", e);
    } finally {
      drain();
      consumer.close();
    }
  }

  private void accept(ConsumerRecord<byte[], byte[]> record) {
    TopicPartition tp = new TopicPartition(record.topic(), record.partition());
    long offset = record.offset();
    offsets.taken(tp, offset);
    Runnable done = () -> offsets.finished(tp, offset);
    JobRequest request;
    try {
      request = Topics.REQUESTS.valueSerde().deserializer().deserialize(record.topic(), record.value());
    } catch (RuntimeException e) {
      reject(record, "unparseable: " + e.getMessage(), null, done);
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
    JobRequest accepted = request;
    started.incrementAndGet();
    workers.execute(() -> runner.run(job.get(), accepted, done));
  }

  private void reject(ConsumerRecord<byte[], byte[]> record, String reason, JobRequest request, Runnable done) {
    deadLettered.incrementAndGet();
    if (request != null && request.runId() != null) {
      events.publish(new RunEvent(request.runId(), 1, EventType.FAILED, clock.instant(), executorId,
          request.attemptOrFirst(), 1, Json.object().put("error", reason)
              .put("job_name", request.jobName()).put("tenant_id", request.tenantId())));
    }
    deadLetters.send(record, reason, done);
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
    runner.stopAll(JobRunner.SHUTDOWN);
    workers.shutdown();
    try {
      if (!workers.awaitTermination(settings.drain.toMilliseconds(), TimeUnit.MILLISECONDS)) {
        LOG.warn("{} job(s) did not finish within the drain period; their requests will be "
            + "delivered again", runner.runningCount());
        workers.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    events.flush();
    deadLetters.close();
    try {
      commit(true);
    } catch (RuntimeException e) {
      LOG.warn("Final offset commit failed; unfinished records will be delivered again: {}", e.toString());
    }
  }

  @Override
  public void stop() throws InterruptedException {
    running = false;
    Thread t = pollThread;
    if (t != null) {
      t.join(settings.drain.toMilliseconds() + 30_000);
    }
    if (events != null) {
      events.close();
    }
    watchdog.shutdownNow();
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

  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      try {
        commit(true);
      } catch (RuntimeException e) {
        LOG.warn("Commit on revocation failed: {}", e.toString());
      }
      partitions.forEach(offsets::forget);
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
