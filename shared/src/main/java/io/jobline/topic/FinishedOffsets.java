package io.jobline.topic;

import java.util.Base64;
import java.util.BitSet;
import java.util.HashSet;
import java.util.Set;

/**
 * The offsets of a partition finished above its committed offset, written into the committed
 * offset's metadata: runs end out of order, so the offset committed is the first unfinished one,
 * and whoever reads the partition next must not run the finished ones after it again. A bitmap from
 * the committed offset, base64, within the broker's {@code offset.metadata.max.bytes} (Kafka's
 * default 4,096 characters carry ~24,000 offsets; Jobline's own brokers allow 65,536, ~390,000).
 * The executor writes it; the api reads it to leave finished requests out of the backlog.
 */
public final class FinishedOffsets {
  private static final String PREFIX = "jobline-finished:";

  /** Kafka's default {@code offset.metadata.max.bytes}. */
  public static final int DEFAULT_METADATA_BYTES = 4096;

  /**
   * Offsets a metadata string within Kafka's default limit can carry; past them a finished run
   * would be delivered again.
   */
  public static final int MAX_SPAN = maxSpan(DEFAULT_METADATA_BYTES);

  private FinishedOffsets() {}

  /** Offsets a metadata string of at most {@code metadataBytes} characters can carry. */
  public static int maxSpan(int metadataBytes) {
    return (metadataBytes - PREFIX.length()) / 4 * 3 * 8;
  }

  /** The metadata for a commit at {@code committed} with these finished offsets above it. */
  public static String encode(long committed, Set<Long> finished) {
    return encode(committed, finished, MAX_SPAN);
  }

  /**
   * The metadata for a commit at {@code committed} with these finished offsets above it, for a
   * broker whose metadata limit carries {@code maxSpan} offsets ({@link #maxSpan}).
   */
  public static String encode(long committed, Set<Long> finished, int maxSpan) {
    BitSet bits = new BitSet();
    for (long offset : finished) {
      long i = offset - committed;
      if (i > 0 && i < maxSpan) {
        bits.set((int) i);
      }
    }
    return bits.isEmpty() ? "" : PREFIX + Base64.getEncoder().encodeToString(bits.toByteArray());
  }

  /**
   * The finished offsets a commit at {@code committed} recorded; none for metadata it did not
   * write.
   */
  public static Set<Long> decode(long committed, String metadata) {
    Set<Long> out = new HashSet<>();
    if (metadata == null || !metadata.startsWith(PREFIX)) {
      return out;
    }
    try {
      BitSet bits = BitSet.valueOf(Base64.getDecoder().decode(metadata.substring(PREFIX.length())));
      for (int i = bits.nextSetBit(0); i >= 0; i = bits.nextSetBit(i + 1)) {
        out.add(committed + i);
      }
    } catch (IllegalArgumentException notOurs) {
      // metadata written by something else: nothing is known to be finished
    }
    return out;
  }
}
