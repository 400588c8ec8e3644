package io.jobline.executor;

import io.jobline.topic.PreparedRequest;
import io.jobline.wire.RunEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;

/**
 * Where runs put their events: an outbox the executor's poll thread empties into its Kafka
 * transaction, so an attempt's events and the offset of its request are committed together. The
 * callback runs once the event is in the transaction (its commit makes both durable at once).
 */
final class EventPublisher {
  /**
   * An event (and one to follow it in the same transaction, or null), the partition number of its
   * run's request (-1: none known), what to do once it is in the transaction, for the end of an
   * attempt that ended here, its mark (else null), and the requests its run sends with it (a
   * fan-out's children), committed with it or not at all.
   */
  record Outgoing(
      RunEvent event,
      RunEvent then,
      int partition,
      Runnable sent,
      EndMark end,
      List<PreparedRequest> requests) {}

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
    outbox.add(new Outgoing(event, null, partition, sent, null, List.of()));
    wake.run();
  }

  /**
   * Publishes the end of an attempt that ended here, marked by {@code end}, with the event that
   * follows it ({@code then}: a retry's announcement, or null).
   */
  void publishEnd(RunEvent event, RunEvent then, int partition, Runnable sent, EndMark end) {
    publishEnd(event, then, partition, sent, end, List.of());
  }

  /** As {@link #publishEnd(RunEvent, RunEvent, int, Runnable, EndMark)}, with {@code requests}. */
  void publishEnd(
      RunEvent event,
      RunEvent then,
      int partition,
      Runnable sent,
      EndMark end,
      List<PreparedRequest> requests) {
    outbox.add(new Outgoing(event, then, partition, sent, end, requests));
    wake.run();
  }

  boolean isEmpty() {
    return outbox.isEmpty();
  }

  /**
   * Takes every waiting event but those of the attempts {@code fenced}, which are dropped; the
   * marks of the ends among those go to {@code voided}.
   */
  List<Outgoing> drain(Fences fenced, Consumer<List<EndMark>> voided) {
    return drain(fenced, voided, tp -> false);
  }

  /**
   * As {@link #drain(Fences, Consumer)}, but the ends of attempts whose requests came from a
   * partition {@code held} stay waiting: their offsets cannot be committed with them now.
   */
  List<Outgoing> drain(
      Fences fenced, Consumer<List<EndMark>> voided, Predicate<TopicPartition> held) {
    List<Outgoing> out = new ArrayList<>();
    List<EndMark> dropped = new ArrayList<>();
    List<Outgoing> kept = null; // (every loop drains: nothing made while nothing is held)
    Outgoing o;
    while ((o = outbox.poll()) != null) {
      RunEvent e = o.event();
      if (fenced.isFenced(e.runId().value() + ":" + e.attempt(), e.epoch())) {
        if (o.end() != null) {
          dropped.add(o.end());
        }
      } else if (o.end() != null && held.test(o.end().partition())) {
        kept = kept == null ? new ArrayList<>() : kept;
        kept.add(o);
      } else {
        out.add(o);
      }
    }
    if (kept != null) {
      outbox.addAll(kept);
    }
    if (!dropped.isEmpty()) {
      voided.accept(dropped);
    }
    return out;
  }

  /** Takes the ends waiting of attempts whose requests came from {@code tp}: they never go out. */
  List<EndMark> takeEnds(TopicPartition tp) {
    List<EndMark> taken = new ArrayList<>();
    outbox.removeIf(
        o -> {
          if (o.end() != null && o.end().partition().equals(tp)) {
            taken.add(o.end());
            return true;
          }
          return false;
        });
    return taken;
  }
}
