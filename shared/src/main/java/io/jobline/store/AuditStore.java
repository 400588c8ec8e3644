package io.jobline.store;

import io.jobline.run.AuditEntry;
import java.util.List;

/**
 * The audit trail ({@code job_audit}): who did what through the api, as history wrote it. History
 * writes it, the api lists it.
 */
public interface AuditStore {
  /** Writes entries by their id: writing one again keeps one, as last written. */
  void putAll(List<AuditEntry> entries);

  /**
   * What to list: every filter may be null (then it keeps everything); at most {@code limit}
   * entries, where 0 means no limit and a negative limit its size, as Mongo takes them.
   */
  record Query(
      String tenantId, String targetType, String target, String actor, String action, int limit) {}

  /**
   * Entries matching every filter, newest first (an entry without a time last); the order of
   * entries written at the same millisecond is not part of the contract. Times come back to the
   * millisecond.
   */
  List<AuditEntry> list(Query q);
}
