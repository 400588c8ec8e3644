package io.jobline.app.chaos;

import io.jobline.app.EventsTail;
import io.jobline.wire.EventType;
import io.jobline.wire.RunEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;

/**
 * The noisy-neighbour scenario's view of {@code jobline.events}, read as history reads it
 * (committed only): when each run started (its start event, or the start an end carries) and the
 * big tenant's completions.
 */
final class RunStarts implements AutoCloseable {
  private final Set<String> big = ConcurrentHashMap.newKeySet();
  private final Map<String, Long> startedAt = new ConcurrentHashMap<>();
  private final AtomicLong bigCompleted = new AtomicLong();
  private final AtomicLong bigLastEnd = new AtomicLong();
  private final KafkaConsumer<String, RunEvent> consumer;
  private final Thread thread;
  private volatile boolean running = true;

  RunStarts(String bootstrap) {
    consumer = EventsTail.fromNow(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
    thread = new Thread(this::loop, "noisy-neighbour-events");
    thread.setDaemon(true);
    thread.start();
  }

  void expectBig(String runId) {
    big.add(runId);
  }

  private void loop() {
    try {
      while (running) {
        for (ConsumerRecord<String, RunEvent> r : consumer.poll(Duration.ofMillis(100))) {
          RunEvent e = r.value();
          if (e == null || e.runId() == null) {
            continue;
          }
          String id = e.runId().value();
          if (e.type() == EventType.STARTED) {
            startedAt.putIfAbsent(id, e.timestamp().toEpochMilli());
          } else if (e.type().terminal()) {
            String carried =
                e.payload() == null ? null : e.payload().path("started").path("at").asText(null);
            if (carried != null) {
              startedAt.putIfAbsent(id, Instant.parse(carried).toEpochMilli());
            }
            if (e.type() == EventType.COMPLETED && big.remove(id)) {
              bigCompleted.incrementAndGet();
              bigLastEnd.accumulateAndGet(e.timestamp().toEpochMilli(), Math::max);
            }
          }
        }
      }
    } catch (WakeupException e) {
      // closing
    } finally {
      consumer.close();
    }
  }

  long bigCompleted() {
    return bigCompleted.get();
  }

  long bigLastEnd() {
    return bigLastEnd.get();
  }

  long smallStarted() {
    return startedAt.size() - bigCompleted.get();
  }

  Long startOf(String runId) {
    return startedAt.get(runId);
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    consumer.wakeup();
    thread.join(5000);
  }
}
