package io.jobline.executor;

/**
 * Which attempts of which runs were cancelled, as an executor learns from {@code jobline.control}:
 * run id to the highest attempt a cancel reached, for the {@code capacity} runs cancelled last (the
 * oldest is forgotten first). A cancel must reach a run that is still queued, perhaps behind a long
 * backlog, so the bound is large: a run is kept as a 64-bit hash of its id and an int, in open
 * addressing at most half full, and in the order ring (about 33 bytes a run when full, against
 * about 140 in a map of strings, which held 100,000 and then forgot, so a run cancelled before a
 * larger batch of cancels ran anyway).
 *
 * <p>The hash is seeded per instance, so ids cannot be chosen to collide with another's; two ids
 * sharing a hash by chance (about one in 2^64 per lookup) would share their cancels.
 *
 * <p>Not thread-safe: its owner synchronizes.
 */
final class CancelledRuns {
  private final int capacity;
  private final long seed;

  /** Keys (a hash, never 0: 0 is an empty slot) and values, in linear probing. */
  private long[] keys = new long[64];

  private int[] values = new int[64];
  private int size;

  /** The keys in the order they were first stored, as a ring, to forget the oldest first. */
  private long[] order;

  private int head;

  CancelledRuns(int capacity, long seed) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1");
    }
    this.capacity = capacity;
    this.seed = seed;
    this.order = new long[Math.min(32, capacity)];
  }

  int size() {
    return size;
  }

  /**
   * Notes that the attempts of {@code runId} up to {@code upTo} were cancelled; the highest attempt
   * noted for it.
   */
  int merge(String runId, int upTo) {
    long key = hash(runId);
    int slot = find(key);
    if (slot >= 0) {
      values[slot] = Math.max(values[slot], upTo);
      return values[slot];
    }
    if (size == capacity) {
      remove(order[head]); // (the ring is full: its length is the capacity)
      head = (head + 1) % order.length;
    }
    if (size + 1 > keys.length / 2) {
      rehash(keys.length * 2);
    }
    insert(key, upTo);
    remember(key);
    return upTo;
  }

  /** Whether this attempt of the run was cancelled. */
  boolean isCancelled(String runId, int attempt) {
    int slot = find(hash(runId));
    return slot >= 0 && attempt <= values[slot];
  }

  /** Appends a new key to the ring, growing it (in order) while it is below the capacity. */
  private void remember(long key) {
    int count = size - 1; // (the key is stored already)
    if (count == order.length) {
      long[] grown = new long[(int) Math.min(capacity, 2L * order.length)];
      for (int i = 0; i < count; i++) {
        grown[i] = order[(head + i) % order.length];
      }
      order = grown;
      head = 0;
    }
    order[(head + count) % order.length] = key;
  }

  private int find(long key) {
    int mask = keys.length - 1;
    for (int i = index(key, mask); ; i = (i + 1) & mask) {
      if (keys[i] == key) {
        return i;
      }
      if (keys[i] == 0) {
        return -1;
      }
    }
  }

  private void insert(long key, int value) {
    int mask = keys.length - 1;
    int i = index(key, mask);
    while (keys[i] != 0) {
      i = (i + 1) & mask;
    }
    keys[i] = key;
    values[i] = value;
    size++;
  }

  /** Removes a key, shifting back the keys after it that probed past its slot. */
  private void remove(long key) {
    int slot = find(key);
    if (slot < 0) {
      return;
    }
    int mask = keys.length - 1;
    int gap = slot;
    for (int i = (gap + 1) & mask; keys[i] != 0; i = (i + 1) & mask) {
      int home = index(keys[i], mask);
      // moves back unless its home lies cyclically in (gap, i]
      boolean stays = gap <= i ? gap < home && home <= i : gap < home || home <= i;
      if (!stays) {
        keys[gap] = keys[i];
        values[gap] = values[i];
        gap = i;
      }
    }
    keys[gap] = 0;
    values[gap] = 0;
    size--;
  }

  private void rehash(int length) {
    long[] oldKeys = keys;
    int[] oldValues = values;
    keys = new long[length];
    values = new int[length];
    size = 0;
    for (int i = 0; i < oldKeys.length; i++) {
      if (oldKeys[i] != 0) {
        insert(oldKeys[i], oldValues[i]);
      }
    }
  }

  private static int index(long key, int mask) {
    return (int) (key ^ (key >>> 32)) & mask;
  }

  /** A seeded 64-bit hash of the id's characters (never 0). */
  long hash(String runId) {
    long h = seed ^ (runId.length() * 0x9E3779B97F4A7C15L);
    for (int i = 0; i < runId.length(); i++) {
      h = mix(h ^ runId.charAt(i));
    }
    h = mix(h ^ seed);
    return h == 0 ? 1 : h;
  }

  /** A bijective 64-bit mix (the finalizer of SplitMix64). */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  @Override
  public String toString() {
    return "CancelledRuns[" + size + " of " + capacity + ", table " + keys.length + "]";
  }
}
