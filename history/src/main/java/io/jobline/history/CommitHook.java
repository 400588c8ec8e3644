package io.jobline.history;

import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.CachedStateStore;

/**
 * A state store that holds nothing and calls back before each commit of its task: Kafka Streams
 * flushes the caches of a task's stores as it prepares a commit — before the exactly-once
 * transaction that carries the consumed offsets is committed — and this store's "cache" is whatever
 * the processor has not yet written to MongoDB. So a write to MongoDB always happens before the
 * commit of the input that caused it: a crash between the two only makes Streams process that input
 * again.
 *
 * <p>Relies on Kafka Streams 4.3 calling {@code CachedStateStore.flushCache()} from {@code
 * StreamTask.prepareCommit}: without it no run would reach MongoDB, so every end-to-end test checks
 * it.
 */
final class CommitHook implements StateStore, CachedStateStore<Object, Object> {
  private final String name;
  private volatile Runnable beforeCommit = () -> {};
  private boolean open;

  CommitHook(String name) {
    this.name = name;
  }

  /**
   * Runs {@code callback} before every commit of this task (and when the task is suspended or
   * closed).
   */
  void beforeCommit(Runnable callback) {
    this.beforeCommit = callback;
  }

  @Override
  public void flushCache() {
    beforeCommit.run();
  }

  @Override
  public void clearCache() {}

  @Override
  public boolean setFlushListener(
      CacheFlushListener<Object, Object> listener, boolean sendOldValues) {
    return false;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void init(StateStoreContext context, StateStore root) {
    context.register(root, (key, value) -> {});
    open = true;
  }

  @Override
  public void commit(Map<TopicPartition, Long> changelogOffsets) {}

  @Override
  public void close() {
    open = false;
  }

  @Override
  public boolean persistent() {
    return false;
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  /** Builds one per task; nothing is logged, nothing cached. */
  static StoreBuilder<CommitHook> builder(String name) {
    return new StoreBuilder<>() {
      @Override
      public StoreBuilder<CommitHook> withCachingEnabled() {
        return this;
      }

      @Override
      public StoreBuilder<CommitHook> withCachingDisabled() {
        return this;
      }

      @Override
      public StoreBuilder<CommitHook> withLoggingEnabled(Map<String, String> config) {
        return this;
      }

      @Override
      public StoreBuilder<CommitHook> withLoggingDisabled() {
        return this;
      }

      @Override
      public CommitHook build() {
        return new CommitHook(name);
      }

      @Override
      public Map<String, String> logConfig() {
        return Map.of();
      }

      @Override
      public boolean loggingEnabled() {
        return false;
      }

      @Override
      public String name() {
        return name;
      }
    };
  }
}
