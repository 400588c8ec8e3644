package io.jobline.executor;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The executions this executor may no longer speak for: those of a partition it lost or handed
 * over. A fence holds one execution — a run's attempt under one epoch — not the attempt for good:
 * when the partition comes back under a new lease (a higher epoch), the same request runs again and
 * is heard. (Fencing the attempt for good left runs queued forever after an executor lost its
 * partitions in a stall and got them back; found by {@code jobline chaos}.)
 */
final class Fences {
  private final Set<String> fenced = ConcurrentHashMap.newKeySet();

  void fence(String claimKey, long epoch) {
    fenced.add(claimKey + "@" + epoch);
  }

  boolean isFenced(String claimKey, long epoch) {
    return fenced.contains(claimKey + "@" + epoch);
  }
}
