package io.jobline.executor;

import io.jobline.store.TimerStore;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.TopicPartition;

/**
 * An attempt that ended here, from its end until that end is in a Kafka transaction and after. A
 * copy of its request read meanwhile (after a rewind) is a duplicate, but its offset may only be
 * finished once the end is in a transaction ({@link #settle}): finished sooner, the offset could be
 * committed in a transaction before the end's, and an abort of the end's would lose the run. An end
 * whose transaction was aborted, or that was dropped before it went out, is void ({@link #voided}):
 * the attempt must run again, and the copies waiting on it are what runs.
 *
 * <p>A mark keeps where the request was read, not the request: the dispatcher remembers the last
 * 50,000 marks, and when each held its ended request (params, trigger and ids), a class histogram
 * in the middle of a 100,000-job burst found 50,554 requests alive where 1,280 were in flight.
 */
final class EndMark {
  private final TopicPartition partition;
  private final long offset;
  private final boolean complete;
  private final List<Pending> copies = new ArrayList<>();
  private boolean sent;

  /** The retry timer its end set, to delete if the end is void (null if none). */
  private volatile TimerStore.Timer retryTimer;

  /** The end of the attempt of {@code ended}, sent with all it carries. */
  EndMark(Pending ended) {
    this(ended, true);
  }

  /**
   * The end of the attempt of {@code ended}; {@code complete} if it is sent with all a takeover
   * would send again (a fan-out's children, its retry), not if it left them to one.
   */
  EndMark(Pending ended, boolean complete) {
    this.partition = ended.partition();
    this.offset = ended.offset();
    this.complete = complete;
  }

  /**
   * Whether the end is sent with all a takeover would send again: a copy of the request that names
   * a claim is then a duplicate too, and needs no takeover publishing that end once more.
   */
  boolean complete() {
    return complete;
  }

  /** Notes the retry timer the end set ({@code null}: none). */
  void retryTimer(TimerStore.Timer timer) {
    this.retryTimer = timer;
  }

  /**
   * The transaction its end went out in may have committed (its commit timed out for as long as it
   * may live): the retry timer it set is not its to take back. Had it committed, its run would stay
   * "retrying" for good without it (found by review); had it not, the timer waits, as the scheduler
   * sends a retry only once history shows the attempt before it ended saying one follows.
   */
  void outcomeUnknown() {
    this.retryTimer = null;
  }

  /** The retry timer the end set, or null. */
  TimerStore.Timer retryTimer() {
    return retryTimer;
  }

  /** Where the request whose attempt ended was read. */
  TopicPartition partition() {
    return partition;
  }

  long offset() {
    return offset;
  }

  /** Finishes a copy's offset now if the end is in a transaction already, else once it is. */
  void settle(Pending copy) {
    synchronized (this) {
      if (!sent) {
        copies.add(copy);
        return;
      }
    }
    copy.done().run();
  }

  /** The end is in the open transaction: the copies waiting on it are finished with it. */
  void sent() {
    List<Pending> waiting;
    synchronized (this) {
      sent = true;
      waiting = List.copyOf(copies);
      copies.clear();
    }
    waiting.forEach(p -> p.done().run());
  }

  /** The end never counts; the copies still waiting on it, to run instead. */
  synchronized List<Pending> voided() {
    List<Pending> waiting = new ArrayList<>(copies);
    copies.clear();
    return waiting;
  }
}
