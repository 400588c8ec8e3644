package io.jobline.builtins.cleanup;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import io.jobline.builtins.BuiltinSettings;
import io.jobline.chain.Chain;
import io.jobline.job.Job;
import io.jobline.job.JobContext;
import io.jobline.job.JobException;
import io.jobline.job.JobResources;
import io.jobline.schedule.Schedule;
import io.jobline.store.ChainStore;
import io.jobline.store.MongoChainStore;
import io.jobline.store.MongoScheduleStore;
import io.jobline.wire.Scope;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.bson.Document;
import org.bson.conversions.Bson;

/** Built-ins: archive or delete audit-log entries past the retention window. */
public class AuditLogJobs {
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
  private static final String ARCHIVE = "audit-log-archive";
  private final JobResources resources;

  public AuditLogJobs(JobResources resources) {
    this.resources = resources;
  }

  /**
   * Moves entries older than the retention window to gzip-compressed JSON Lines files under {@code
   * jobs.builtins.auditLog.archiveDir}, deleting each batch only once its file reads back complete.
   * Recommended schedule: {@code 0 2 * * *}.
   */
  @Job(
      name = ARCHIVE,
      description =
          "Move audit-log entries past the retention window to compressed JSON Lines files",
      timeoutSeconds = 600,
      retries = 0,
      scope = Scope.SYSTEM)
  public Map<String, Object> archive(JobContext ctx) {
    BuiltinSettings settings = BuiltinSettings.of(resources);
    Instant now = resources.clock().instant();
    Instant cutoff = cutoff(settings, now);
    MongoCollection<Document> log =
        settings.applicationDatabase(resources).getCollection(settings.auditLog.collection);
    ArchiveWriter archive =
        new ArchiveWriter(
            Path.of(settings.auditLog.archiveDir),
            settings.auditLog.collection
                + "-"
                + STAMP.format(now)
                + "-"
                + fileNamePart(ctx.runId().value()));
    Deletions.Builder result = Deletions.since(cutoff);
    result.add(
        log.getNamespace().getCollectionName(),
        new BatchDeleter(ctx, settings.batchSize)
            .delete(log, olderThan(settings, cutoff), 0, 100, archive::write));
    Map<String, Object> out = new LinkedHashMap<>(result.result(ctx));
    out.put("archive_files", archive.files().stream().map(Path::toString).toList());
    return out;
  }

  /**
   * Deletes entries older than {@code JOBS_AUDIT_RETENTION_DAYS} (default 365) days, without an
   * archive. Recommended schedule: {@code 0 3 * * *}. Refuses, deleting nothing, while a schedule
   * that runs {@code audit-log-archive} is active: that job deletes each entry once it has archived
   * it, and this one would delete the entries it has not archived yet.
   *
   * @throws JobException while such a schedule is active
   */
  @Job(
      name = "cleanup_audit_log",
      description = "Delete audit-log entries older than JOBS_AUDIT_RETENTION_DAYS (default 365)",
      timeoutSeconds = 600,
      retries = 2,
      scope = Scope.SYSTEM)
  public Map<String, Object> cleanup(JobContext ctx) {
    BuiltinSettings settings = BuiltinSettings.of(resources);
    MongoDatabase jobline = resources.resource(MongoDatabase.class);
    // (a schedule may name a chain that runs it: found by review)
    Set<String> chainsArchiving =
        new MongoChainStore(jobline, resources.clock())
            .list().stream()
                .map(ChainStore.Declared::chain)
                .filter(c -> c.steps().stream().anyMatch(step -> ARCHIVE.equals(step.job())))
                .map(Chain::name)
                .collect(Collectors.toSet());
    Optional<Schedule> archiving =
        new MongoScheduleStore(jobline)
            .findEnabled().stream()
                .filter(Schedule::active)
                .filter(s -> runs(s, ARCHIVE) || chainsArchiving.contains(s.target()))
                .findFirst();
    if (archiving.isPresent()) {
      // both scheduled, the entries between the two runs' times went unarchived every day (found
      // by review)
      throw new JobException(
          "nothing deleted: schedule '"
              + archiving.get().jobName()
              + "' runs "
              + ARCHIVE
              + ", which deletes each entry once it has archived it; this job would delete the"
              + " entries it has not archived yet. Pause or delete one of the two schedules");
    }
    Instant cutoff = cutoff(settings, resources.clock().instant());
    MongoCollection<Document> log =
        settings.applicationDatabase(resources).getCollection(settings.auditLog.collection);
    return Deletions.since(cutoff)
        .add(
            settings.auditLog.collection,
            new BatchDeleter(ctx, settings.batchSize)
                .delete(log, olderThan(settings, cutoff), 0, 100))
        .result(ctx);
  }

  /** The most characters of a run id a file name holds as they are. */
  private static final int NAME_CHARS = 40;

  private static final Pattern FILE_SAFE = Pattern.compile("[A-Za-z0-9._-]{1," + NAME_CHARS + "}");

  /**
   * A run id as part of a file name: itself if it is short and holds only letters, digits, dots,
   * dashes and underscores (as Jobline's own ids do), else what it has of those, cut short, and the
   * start of its SHA-256, so that two ids make two names (found by review: a run id may hold "/",
   * and that run's archive failed, being a path into a folder that is not there).
   */
  static String fileNamePart(String runId) {
    if (FILE_SAFE.matcher(runId).matches()) {
      return runId;
    }
    String kept = runId.replaceAll("[^A-Za-z0-9._-]", "_");
    byte[] digest;
    try {
      digest = MessageDigest.getInstance("SHA-256").digest(runId.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e); // (every JVM has it)
    }
    return kept.substring(0, Math.min(kept.length(), NAME_CHARS))
        + "-"
        + HexFormat.of().formatHex(digest, 0, 8);
  }

  /** Whether a fire of {@code s} runs {@code job}: as its target or a job run after it. */
  private static boolean runs(Schedule s, String job) {
    return job.equals(s.target()) || (s.chain() != null && s.chain().contains(job));
  }

  private static Instant cutoff(BuiltinSettings settings, Instant now) {
    return now.minus(Duration.ofDays(settings.auditLog.retentionDays));
  }

  private static Bson olderThan(BuiltinSettings settings, Instant cutoff) {
    return Filters.lt(settings.auditLog.timestampField, Date.from(cutoff));
  }
}
