package io.jobline.store;

import io.jobline.topic.DeadLetter;
import java.util.List;
import java.util.Optional;

/**
 * The dead-letter topics as a collection ({@code job_dead_letters}): history writes, the api reads
 * and redrives.
 */
public interface DeadLetterStore {
  /** Writes each by id, keeping the redrives it already has: writing one again keeps one. */
  void putAll(List<DeadLetter> deadLetters);

  Optional<DeadLetter> find(String id);

  /** Records a redrive of {@code id}; false when there is no such dead letter. */
  boolean redriven(String id, DeadLetter.Redrive redrive);

  /** The dead letter redriven as attempt {@code attempt} of run {@code runId}, if any. */
  Optional<DeadLetter> redrivenAs(String runId, int attempt);

  /** What to list: null fields don't filter; newest first, after {@code after}. */
  record Query(
      String tenantId,
      String jobName,
      String topic,
      Boolean redriven,
      PageCursor after,
      int limit) {}

  /** One page, newest first (by the time the record reached its dead-letter topic, then id). */
  List<DeadLetter> list(Query query);
}
