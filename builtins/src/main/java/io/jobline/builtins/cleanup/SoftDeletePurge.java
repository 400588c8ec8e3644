package io.jobline.builtins.cleanup;

import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import io.jobline.builtins.BuiltinSettings;
import io.jobline.job.Job;
import io.jobline.job.JobContext;
import io.jobline.job.JobResources;
import io.jobline.wire.Scope;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;

/** Built-in: hard-deletes documents that were soft-deleted long enough ago. */
public class SoftDeletePurge {
  private final JobResources resources;

  public SoftDeletePurge(JobResources resources) {
    this.resources = resources;
  }

  /**
   * Across {@code jobs.builtins.softDelete.collections}, deletes documents with {@code is_deleted =
   * true} and {@code deleted_at} older than {@code SOFT_DELETE_RETENTION_DAYS}; does nothing unless
   * {@code SOFT_DELETE_ENABLED}. Recommended schedule: {@code 0 5 * * 6} (Sundays).
   */
  @Job(
      name = "purge_soft_deleted",
      description = "Hard-delete documents soft-deleted more than SOFT_DELETE_RETENTION_DAYS ago",
      timeoutSeconds = 600,
      retries = 2,
      scope = Scope.SYSTEM)
  public Map<String, Object> purgeSoftDeleted(JobContext ctx) {
    BuiltinSettings settings = BuiltinSettings.of(resources);
    BuiltinSettings.SoftDelete soft = settings.softDelete;
    Instant cutoff = resources.clock().instant().minus(Duration.ofDays(soft.retentionDays));
    Deletions.Builder result = Deletions.since(cutoff);
    if (!soft.enabled) {
      ctx.log(
          "Soft-delete purging is off (jobs.builtins.softDelete.enabled / SOFT_DELETE_ENABLED); nothing purged");
      return result.result(ctx);
    }
    if (soft.collections.isEmpty()) {
      ctx.warning(
          "No collections configured under jobs.builtins.softDelete.collections; nothing purged");
    }
    MongoDatabase db = settings.applicationDatabase(resources);
    BatchDeleter deleter = new BatchDeleter(ctx, settings.batchSize);
    List<String> collections = soft.collections;
    for (int i = 0; i < collections.size() && !ctx.shouldStop(); i++) {
      var filter =
          Filters.and(
              Filters.eq(soft.flagField, true), Filters.lt(soft.deletedAtField, Date.from(cutoff)));
      result.add(
          collections.get(i),
          deleter.delete(
              db.getCollection(collections.get(i)),
              filter,
              i * 100 / collections.size(),
              (i + 1) * 100 / collections.size()));
    }
    return result.result(ctx);
  }
}
