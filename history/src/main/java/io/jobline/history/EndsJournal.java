package io.jobline.history;

import io.jobline.run.JobStats;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a history task counted since it last stored its statistics ({@value
 * HistoryTopology#ENDS_STORE}): one entry per write, committed with the runs whose ends it counts,
 * so that the statistics themselves go to their state store ({@value HistoryTopology#STATS_STORE})
 * only every few seconds. A statistics record is a job's (or a job and tenant's) counts and last
 * durations, up to 16 KB; every commit put one per job and tenant that had a run end, 0.10–0.22
 * changelog records per run at 2,000 runs a second. An entry is one record per write whatever the
 * tenants, holding per key only the statistics of the runs that ended in that write (16 bytes a
 * duration).
 *
 * <p>A task started again (after a crash, on another instance) adds the entries its state holds of
 * the generation not yet stored, in the order they were written ({@link JobStats#then}), to the
 * statistics stored: what its last commits counted, counted once. The commit that stores the
 * statistics notes that generation as stored, and the next begins.
 */
final class EndsJournal {
  private static final String PREFIX = "ends:";

  /** The generation whose entries went into the statistics stored last. */
  private static final String STORED = "stored";

  private static final byte VERSION = 1;

  /**
   * The largest note: a quarter of Kafka's default largest record (1 MB). A note holds each key's
   * last failure with its error text, whose length nothing bounds.
   */
  static final int MAX_ENTRY_BYTES = 256 * 1024;

  private static final Logger LOG = LoggerFactory.getLogger(EndsJournal.class);

  private final KeyValueStore<String, byte[]> store;

  /** The generation of the entries written now: one more than the last stored. */
  private long generation;

  private long next;

  EndsJournal(KeyValueStore<String, byte[]> store) {
    this.store = store;
  }

  /**
   * Reads the entries of the generation not yet stored, oldest first, handing each one's
   * statistics, per key, to {@code counted}; new entries follow them.
   */
  void replay(BiConsumer<String, JobStats> counted) {
    byte[] stored = store.get(STORED);
    generation = stored == null ? 0 : ByteBuffer.wrap(stored).getLong() + 1;
    next = 0;
    List<byte[]> entries = new ArrayList<>();
    try (KeyValueIterator<String, byte[]> all = store.all()) {
      // the keys are the sequence zero-padded: the store's order (by their bytes) is theirs
      all.forEachRemaining(
          kv -> {
            long seq = sequence(kv.key);
            if (seq < 0 || kv.value == null) {
              return; // (the generation stored)
            }
            if (kv.value.length < 1 + Long.BYTES || kv.value[0] != VERSION) {
              LOG.warn(
                  "A note of counted runs ({}) is in a format this version does not read: the runs"
                      + " it counted may be missing from the statistics",
                  kv.key);
            } else if (ByteBuffer.wrap(kv.value, 1, Long.BYTES).getLong() == generation) {
              entries.add(kv.value);
              next = Math.max(next, seq + 1);
            }
          });
    }
    entries.forEach(bytes -> read(bytes).forEach(counted));
  }

  /**
   * Notes the statistics of the runs one write counted, per key (nothing when there are none).
   *
   * @return false, noting nothing, when the note would be larger than {@link #MAX_ENTRY_BYTES}: the
   *     statistics are then to be stored with this write
   */
  boolean add(Map<String, JobStats> counted) {
    if (counted.isEmpty()) {
      return true;
    }
    byte[] entry = write(generation, counted);
    if (entry.length > MAX_ENTRY_BYTES) {
      return false;
    }
    store.put(PREFIX + String.format("%019d", next++), entry);
    return true;
  }

  /**
   * Notes that the statistics the entries went into are stored, in the same commit: the entries are
   * of no more use. They are not deleted; the next generation's entries take the same keys again,
   * so the store and its changelog, compacted, keep no more keys than one interval's writes and
   * each entry costs one record.
   */
  void stored() {
    store.put(STORED, ByteBuffer.allocate(Long.BYTES).putLong(generation).array());
    generation++;
    next = 0;
  }

  private static long sequence(String key) {
    if (!key.startsWith(PREFIX)) {
      return -1;
    }
    try {
      return Long.parseLong(key.substring(PREFIX.length()));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  static byte[] write(long generation, Map<String, JobStats> counted) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeByte(VERSION);
      out.writeLong(generation);
      out.writeInt(counted.size());
      for (Map.Entry<String, JobStats> e : counted.entrySet()) {
        byte[] key = e.getKey().getBytes(StandardCharsets.UTF_8);
        out.writeInt(key.length);
        out.write(key);
        byte[] stats = JobStatsSerde.write(e.getValue());
        out.writeInt(stats.length);
        out.write(stats);
      }
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Map<String, JobStats> read(byte[] bytes) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      if (in.readByte() != VERSION) {
        throw new IllegalStateException("unknown format of the ends journal");
      }
      in.readLong(); // the generation
      int n = in.readInt();
      Map<String, JobStats> counted = new LinkedHashMap<>();
      for (int i = 0; i < n; i++) {
        String key = new String(in.readNBytes(in.readInt()), StandardCharsets.UTF_8);
        counted.put(key, JobStatsSerde.read(in.readNBytes(in.readInt())));
      }
      return counted;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
