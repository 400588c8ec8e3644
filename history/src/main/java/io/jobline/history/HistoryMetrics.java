package io.jobline.history;

import java.util.concurrent.atomic.AtomicLong;

/** What the history role counts: runs set aside because the store refused them. */
public final class HistoryMetrics {
  private final AtomicLong setAside = new AtomicLong();

  void setAside() {
    setAside.incrementAndGet();
  }

  /** Runs stored as a stripped copy, their original sent to {@code jobline.history.dlq}. */
  public long runsSetAside() {
    return setAside.get();
  }
}
