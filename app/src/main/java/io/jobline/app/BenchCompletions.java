package io.jobline.app;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.jobline.wire.IsoInstant;
import io.jobline.wire.RunEvent;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
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

  private final KafkaConsumer<String, Completion> consumer;
  private final Thread thread;
  private volatile boolean running = true;

  BenchCompletions(Standalone standalone) {
    consumer = EventsTail.fromNow(standalone.config().kafka.clientProperties(), Completion::of);
    thread = new Thread(this::loop, "jobline-bench-completions");
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * A {@code completed} event's run id and time, read with Jackson's streaming parser: the bench
   * shares the machine it measures, and binding every event to a {@link RunEvent} (its payload as a
   * tree) took 2 % of a 100,000-job burst's CPU in a JFR profile. Any other event, or one that does
   * not read, is null.
   */
  record Completion(String runId, Instant at) {
    private static final JsonFactory JSON = new JsonFactory();
    private static final String COMPLETED = "completed";

    static Completion of(String topic, byte[] bytes) {
      if (bytes == null) {
        return null;
      }
      String runId = null;
      String type = null;
      String at = null;
      try (JsonParser p = JSON.createParser(bytes)) {
        if (p.nextToken() != JsonToken.START_OBJECT) {
          return null;
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String field = p.currentName();
          JsonToken value = p.nextToken();
          if (value == JsonToken.VALUE_STRING) {
            switch (field) {
              case "run_id" -> runId = p.getText();
              case "type" -> type = p.getText();
              case "timestamp" -> at = p.getText();
              default -> {}
            }
          } else {
            p.skipChildren();
          }
        }
        if (!COMPLETED.equals(type) || runId == null) {
          return null;
        }
        return new Completion(runId, at == null ? null : IsoInstant.parse(at));
      } catch (IOException | DateTimeParseException unreadable) {
        return null;
      }
    }
  }

  void expect(String runId) {
    expected.add(runId);
  }

  private void loop() {
    try {
      while (running) {
        for (ConsumerRecord<String, Completion> r : consumer.poll(Duration.ofMillis(100))) {
          Completion c = r.value();
          if (c != null && expected.remove(c.runId())) {
            if (c.at() != null) {
              visibleAfter.add(System.currentTimeMillis() - c.at().toEpochMilli());
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
