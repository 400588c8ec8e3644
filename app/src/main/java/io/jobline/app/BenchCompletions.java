package io.jobline.app;

import io.jobline.wire.EventType;
import io.jobline.wire.RunEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;

/**
 * Counts the runs of {@code jobline bench} that completed, from their terminal events on {@code
 * jobline.events}.
 */
final class BenchCompletions implements AutoCloseable {
  private final Set<String> expected = ConcurrentHashMap.newKeySet();
  private final AtomicLong completed = new AtomicLong();

  /** Per run counted: ms from its end (the event's time) to the bench reading its event. */
  private final ConcurrentLinkedQueue<Long> visibleAfter = new ConcurrentLinkedQueue<>();

  private final KafkaConsumer<String, RunEvent> consumer;
  private final Thread thread;
  private volatile boolean running = true;

  BenchCompletions(Standalone standalone) {
    consumer = EventsTail.fromNow(standalone.config().kafka.clientProperties());
    thread = new Thread(this::loop, "jobline-bench-completions");
    thread.setDaemon(true);
    thread.start();
  }

  void expect(String runId) {
    expected.add(runId);
  }

  private void loop() {
    try {
      while (running) {
        for (ConsumerRecord<String, RunEvent> r : consumer.poll(Duration.ofMillis(100))) {
          RunEvent e = r.value();
          if (e != null && e.type() == EventType.COMPLETED && expected.remove(e.runId().value())) {
            if (e.timestamp() != null) {
              visibleAfter.add(System.currentTimeMillis() - e.timestamp().toEpochMilli());
            }
            completed.incrementAndGet();
          }
        }
      }
    } catch (WakeupException e) {
      // closing
    } finally {
      consumer.close();
    }
  }

  void await(long count, int timeoutSeconds) {
    Instant deadline = Instant.now().plusSeconds(timeoutSeconds);
    ProgressDisplay display = ProgressDisplay.onStderr();
    long done;
    while ((done = completed.get()) < count) {
      display.status(
          done + "/" + count + " runs completed", (int) (done * 100 / Math.max(1, count)), false);
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException(
            "only " + done + " of " + count + " runs completed within " + timeoutSeconds + " s");
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(250));
    }
    display.status(count + "/" + count + " runs completed", 100, true);
  }

  long completed() {
    return completed.get();
  }

  /**
   * How long after their ends the runs counted since the last {@link #reset} had their terminal
   * events committed and read (the executor's share of history's lag), sorted.
   */
  long[] eventsVisibleMs() {
    return visibleAfter.stream().mapToLong(Long::longValue).sorted().toArray();
  }

  /** Starts counting again from zero (after the warm-up). */
  void reset() {
    completed.set(0);
    visibleAfter.clear();
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    consumer.wakeup();
    thread.join(5000);
  }
}
