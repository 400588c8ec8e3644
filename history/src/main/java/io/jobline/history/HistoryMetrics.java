package io.jobline.history;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What the history role counts: runs set aside because the store refused them, and the runs read
 * back from MongoDB because its state store did not hold them.
 */
public final class HistoryMetrics {
  private final AtomicLong setAside = new AtomicLong();
  private final AtomicLong readFromStore = new AtomicLong();

  void readFromStore(int runs) {
    readFromStore.addAndGet(runs);
  }

  /**
   * Runs looked for in MongoDB (in one read per write): runs the state store did not hold when an
   * input of a run's later life came — dropped after {@code history.runStateRetention}, or from
   * before the store — and, most of them, runs whose end came before their request.
   */
  public long runsReadFromStore() {
    return readFromStore.get();
  }

  void setAside() {
    setAside.incrementAndGet();
  }

  /** Runs stored as a stripped copy, their original sent to {@code jobline.history.dlq}. */
  public long runsSetAside() {
    return setAside.get();
  }
}
