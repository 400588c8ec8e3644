package io.jobline.history;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What the history role counts: runs set aside because the store refused them, and the runs read
 * back from MongoDB because its state store did not hold them.
 */
public final class HistoryMetrics {
  private final AtomicLong setAside = new AtomicLong();
  private final AtomicLong readFromStore = new AtomicLong();

  void readFromStore() {
    readFromStore.incrementAndGet();
  }

  /**
   * Reads of a run from MongoDB: an input of a run's later life for a run the state store no longer
   * (or never) held — kept {@code history.runStateRetention} — or an event before its request.
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
