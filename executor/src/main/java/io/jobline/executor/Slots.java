package io.jobline.executor;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The executor's worker slots and the caps on them: {@code workers} in all, at most {@code
 * overflowSlots} of them for the overflow lane, a job's {@code maxConcurrency}, and {@code
 * tenantCap} per tenant (so one busy tenant cannot take every worker). It also knows which run
 * attempts hold a slot, so a duplicate of one waits. Not thread-safe: the executor calls it under
 * its lock.
 */
final class Slots {
  /** Why a waiting request does not start now. */
  enum Refusal {
    /** Every worker is busy (or every overflow slot, for the overflow lane). */
    FULL,
    /** The same run attempt holds a slot already. */
    DUPLICATE,
    /** The job runs at its {@code maxConcurrency}. */
    JOB_CAP,
    /** The tenant runs at its cap. */
    TENANT_CAP
  }

  private final int workers;
  private final int overflowSlots;
  private final int tenantCap;
  private final Map<String, Integer> byJob = new HashMap<>();
  private final Map<String, Integer> byTenant = new HashMap<>();
  private final Set<String> keys = new HashSet<>();
  private int running;
  private int runningOverflow;

  Slots(int workers, int overflowSlots, int tenantCap) {
    this.workers = workers;
    this.overflowSlots = overflowSlots;
    this.tenantCap = tenantCap;
  }

  /**
   * Whether a lane has a free slot at all (checked before the requests waiting in it are looked
   * at).
   */
  boolean hasRoom(boolean overflowLane) {
    return running < workers && (!overflowLane || runningOverflow < overflowSlots);
  }

  /**
   * Why a request may not start now, or null if it may.
   *
   * @param key the run attempt ({@code runId:attempt})
   * @param jobCap the job's {@code maxConcurrency}; 0 for none
   */
  Refusal refusal(String key, String job, int jobCap, String tenant, boolean overflowLane) {
    if (!hasRoom(overflowLane)) {
      return Refusal.FULL;
    }
    if (keys.contains(key)) {
      return Refusal.DUPLICATE;
    }
    if (jobCap > 0 && byJob.getOrDefault(job, 0) >= jobCap) {
      return Refusal.JOB_CAP;
    }
    if (byTenant.getOrDefault(tenant, 0) >= tenantCap) {
      return Refusal.TENANT_CAP;
    }
    return null;
  }

  /** Whether this run attempt holds a slot. */
  boolean holds(String key) {
    return keys.contains(key);
  }

  void take(String key, String job, String tenant, boolean overflowLane) {
    keys.add(key);
    running++;
    byJob.merge(job, 1, Integer::sum);
    byTenant.merge(tenant, 1, Integer::sum);
    if (overflowLane) {
      runningOverflow++;
    }
  }

  void give(String key, String job, String tenant, boolean overflowLane) {
    give(key, job, tenant, overflowLane, false);
  }

  /**
   * Frees a run attempt's slot; {@code jobStillRuns} keeps its job's count taken, as its thread
   * still runs the job (abandoned: it ignored stop and interrupt), until {@link #giveJob}.
   */
  void give(String key, String job, String tenant, boolean overflowLane, boolean jobStillRuns) {
    keys.remove(key);
    running--;
    if (!jobStillRuns) {
      giveJob(job);
    }
    byTenant.merge(tenant, -1, Integer::sum);
    if (overflowLane) {
      runningOverflow--;
    }
  }

  /** The thread of an abandoned run of {@code job} has left it: the job's count goes down. */
  void giveJob(String job) {
    byJob.merge(job, -1, Integer::sum);
  }

  int running() {
    return running;
  }
}
