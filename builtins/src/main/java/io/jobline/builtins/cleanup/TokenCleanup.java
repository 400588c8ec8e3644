package io.jobline.builtins.cleanup;

import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import io.jobline.builtins.BuiltinSettings;
import io.jobline.job.Job;
import io.jobline.job.JobContext;
import io.jobline.job.JobResources;
import io.jobline.wire.Scope;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;

/** Built-ins: delete expired authentication sessions and codes of the application. */
public class TokenCleanup {
  private final JobResources resources;

  public TokenCleanup(JobResources resources) {
    this.resources = resources;
  }

  /**
   * Deletes expired {@code UserAuthentication} documents. Recommended schedule: {@code 0 * * * *}.
   */
  @Job(
      name = "token-cleanup",
      description = "Delete expired authentication sessions (UserAuthentication)",
      timeoutSeconds = 120,
      retries = 0,
      scope = Scope.SYSTEM)
  public Map<String, Object> tokenCleanup(JobContext ctx) {
    BuiltinSettings settings = BuiltinSettings.of(resources);
    return deleteExpired(ctx, settings, List.of(settings.tokens.userAuthentication));
  }

  /**
   * Deletes expired {@code AuthenticationCode} and {@code UserAuthentication} documents.
   * Recommended: {@code 30 3 * * *}.
   */
  @Job(
      name = "cleanup_expired_tokens",
      description = "Delete expired AuthenticationCode and UserAuthentication documents",
      timeoutSeconds = 300,
      retries = 2,
      scope = Scope.SYSTEM)
  public Map<String, Object> cleanupExpiredTokens(JobContext ctx) {
    BuiltinSettings settings = BuiltinSettings.of(resources);
    return deleteExpired(
        ctx,
        settings,
        List.of(settings.tokens.authenticationCode, settings.tokens.userAuthentication));
  }

  private Map<String, Object> deleteExpired(
      JobContext ctx, BuiltinSettings settings, List<BuiltinSettings.Expiring> kinds) {
    MongoDatabase db = settings.applicationDatabase(resources);
    Instant now = resources.clock().instant();
    BatchDeleter deleter = new BatchDeleter(ctx, settings.batchSize);
    Deletions.Builder result = Deletions.since(now);
    for (int i = 0; i < kinds.size() && !ctx.shouldStop(); i++) {
      BuiltinSettings.Expiring kind = kinds.get(i);
      long n =
          deleter.delete(
              db.getCollection(kind.collection),
              Filters.lt(kind.expiresField, Date.from(now)),
              i * 100 / kinds.size(),
              (i + 1) * 100 / kinds.size());
      result.add(kind.collection, n);
    }
    return result.result(ctx);
  }
}
