package io.jobline.executor;

import io.jobline.wire.RunEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Predicate;

/**
 * Where runs put their events: an outbox the executor's poll thread empties into its Kafka
 * transaction, so an attempt's events and the offset of its request are committed together. The
 * callback runs once the event is in the transaction (its commit makes both durable at once).
 */
final class EventPublisher {
  /**
   * An event, the partition number of its run's request (-1: none known), and what to do once it is
   * in the transaction.
   */
  record Outgoing(RunEvent event, int partition, Runnable sent) {}

  private final ConcurrentLinkedQueue<Outgoing> outbox = new ConcurrentLinkedQueue<>();
  private volatile Runnable wake = () -> {};

  /** Called when an event is waiting, so the poll thread need not wait out its poll. */
  void onEvent(Runnable wake) {
    this.wake = wake;
  }

  void publish(RunEvent event, int partition) {
    publish(event, partition, () -> {});
  }

  void publish(RunEvent event, int partition, Runnable sent) {
    outbox.add(new Outgoing(event, partition, sent));
    wake.run();
  }

  boolean isEmpty() {
    return outbox.isEmpty();
  }

  /**
   * Takes every waiting event that {@code keep} accepts; the others are dropped (a fenced
   * attempt's).
   */
  List<Outgoing> drain(Predicate<RunEvent> keep) {
    List<Outgoing> out = new ArrayList<>();
    Outgoing o;
    while ((o = outbox.poll()) != null) {
      if (keep.test(o.event())) {
        out.add(o);
      }
    }
    return out;
  }
}
