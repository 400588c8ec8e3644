package io.jobline.history;

import io.jobline.run.RunRecord;
import io.jobline.store.RunStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Buffers run changes (the latest state per run wins) and upserts them into the run store in
 * batches: when the batch is full, and on a wall-clock interval. A failed write throws, so the
 * Streams transaction aborts and the changes are processed again.
 */
final class RunSinkProcessor implements Processor<String, RunRecord, Void, Void> {
  private final RunStore store;
  private final int batchSize;
  private final Duration flushInterval;
  private final Map<String, RunRecord> buffer = new LinkedHashMap<>();

  RunSinkProcessor(RunStore store, int batchSize, Duration flushInterval) {
    this.store = store;
    this.batchSize = batchSize;
    this.flushInterval = flushInterval;
  }

  @Override
  public void init(ProcessorContext<Void, Void> context) {
    context.schedule(flushInterval, PunctuationType.WALL_CLOCK_TIME, now -> flush());
  }

  @Override
  public void process(Record<String, RunRecord> record) {
    if (record.value() == null) {
      return;
    }
    buffer.put(record.key(), record.value());
    if (buffer.size() >= batchSize) {
      flush();
    }
  }

  private void flush() {
    if (!buffer.isEmpty()) {
      store.upsertAll(new ArrayList<>(buffer.values()));
      buffer.clear();
    }
  }

  @Override
  public void close() {
    flush();
  }
}
