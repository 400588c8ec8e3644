package io.jobline.builtins.cleanup;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Projections;
import io.jobline.builtins.BuiltinSettings;
import io.jobline.chain.ChainStatus;
import io.jobline.job.Job;
import io.jobline.job.JobContext;
import io.jobline.job.JobResources;
import io.jobline.run.RunStatus;
import io.jobline.store.DeadLetterStore;
import io.jobline.store.MongoAuditStore;
import io.jobline.store.MongoChainRunStore;
import io.jobline.store.MongoDeadLetterStore;
import io.jobline.store.MongoRunLogStore;
import io.jobline.store.MongoRunStore;
import io.jobline.wire.Scope;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.bson.Document;
import org.bson.types.ObjectId;

/** Built-in: deletes old run history (runs and their log lines) from Jobline's own database. */
public class RunHistoryCleanup {
  /**
   * The executor's claims collection (its MongoClaimStore.COLLECTION; ChainScanTest in app checks
   * they agree).
   */
  public static final String CLAIMS = "job_claims";

  /**
   * How many epochs of an attempt's claim the executor's claim store reads at a time (its
   * MongoClaimStore.PROBE; ChainScanTest in app checks they agree).
   */
  public static final int CLAIMS_PROBE = 8;

  /**
   * Where the cleanup notes each part of a batch of runs ({@link BatchDeleter}) whose log lines are
   * to go, before it deletes the runs: a cleanup stopped between the two (a crash, a timeout)
   * leaves their lines with no run to find them by, and a later one finishes from the note.
   */
  static final String PENDING = "job_cleanup_pending";

  /**
   * How old a note must be for a cleanup to finish it: older than any cleanup still running (its
   * timeout is five minutes), so that one started meanwhile (by hand, say) leaves the notes of
   * another that runs on alone (found by review).
   */
  static final Duration LEFT_AFTER = Duration.ofHours(1);

  private static final List<String> ENDED =
      Arrays.stream(RunStatus.values()).filter(RunStatus::isTerminal).map(RunStatus::wire).toList();
  private static final List<String> CHAINS_ENDED =
      Arrays.stream(ChainStatus.values())
          .filter(ChainStatus::isTerminal)
          .map(ChainStatus::wire)
          .toList();

  private final JobResources resources;

  /**
   * Told {@code "read"} once a part of a batch of runs was read, and {@code "deleted"} once the
   * runs of it went and before their lines do (tests: a change or a crash there).
   */
  private final Consumer<String> at;

  public RunHistoryCleanup(JobResources resources) {
    this(resources, stage -> {});
  }

  RunHistoryCleanup(JobResources resources, Consumer<String> at) {
    this.resources = resources;
    this.at = at;
  }

  /**
   * Deletes ended runs requested more than {@code jobs.builtins.jobRuns.retentionDays} ({@code
   * JOBS_CLEANUP_DAYS}, default 90) days ago, with their log lines, ended chain runs as old, dead
   * letters ({@code job_dead_letters}) and Jobline's audit entries ({@code job_audit}) older than
   * that, and hand-over claims as old. Recommended: {@code 0 4 * * *}.
   */
  @Job(
      name = "cleanup_job_runs",
      description = "Delete run history older than JOBS_CLEANUP_DAYS (default 90)",
      timeoutSeconds = 300,
      retries = 2,
      scope = Scope.SYSTEM)
  public Map<String, Object> cleanupJobRuns(JobContext ctx) {
    BuiltinSettings settings = BuiltinSettings.of(resources);
    MongoDatabase db = resources.resource(MongoDatabase.class);
    Instant cutoff =
        resources.clock().instant().minus(Duration.ofDays(settings.jobRuns.retentionDays));
    MongoCollection<Document> logs = db.getCollection(MongoRunLogStore.COLLECTION);
    Deletions.Builder result =
        Deletions.since(cutoff)
            .add(MongoRunStore.COLLECTION, 0)
            .add(MongoRunLogStore.COLLECTION, 0);
    Date before = Date.from(cutoff);
    Instant now = resources.clock().instant();
    // runs written without requested_at (outside producers), or with one after now (a producer's
    // clock ahead: found by review, a run requested "in 2099" was never deleted), are judged by
    // when history last wrote them (or, without that, by when they ended), and all by when they
    // ended: a run first requested long ago, retried or redriven today, is kept as long as one
    // that ended today (found by review: deleted at the next cleanup)
    var old =
        Filters.and(
            Filters.in("status", ENDED),
            Filters.or(
                Filters.lt("requested_at", before),
                Filters.and(
                    Filters.or(
                        Filters.exists("requested_at", false),
                        Filters.gt("requested_at", Date.from(now))),
                    Filters.or(
                        Filters.lt("materialized_at", before),
                        Filters.and(
                            Filters.exists("materialized_at", false),
                            Filters.lt("completed_at", before))))),
            Filters.or(Filters.exists("completed_at", false), Filters.lt("completed_at", before)));
    MongoCollection<Document> pending = db.getCollection(PENDING);
    result.add(
        MongoRunLogStore.COLLECTION,
        deleteLinesOfGoneRuns(db, logs, pending, now.minus(LEFT_AFTER)));
    ObjectId[] note = new ObjectId[1];
    // a run's lines go once the run has: deleted first, a run read as old and then retried or
    // redriven lost its new lines with its old ones, and was kept itself (found by review)
    long runs =
        new BatchDeleter(ctx, settings.batchSize)
            .deleteIds(
                db.getCollection(MongoRunStore.COLLECTION),
                old,
                0,
                100,
                read -> {
                  at.accept("read");
                  List<Object> ids = notAskedAgain(db, read, now);
                  if (!ids.isEmpty()) {
                    note[0] = new ObjectId();
                    pending.insertOne(
                        new Document("_id", note[0])
                            .append("run_ids", ids)
                            .append("at", Date.from(resources.clock().instant())));
                  }
                  return ids;
                },
                gone -> {
                  at.accept("deleted");
                  if (!gone.isEmpty()) {
                    result.add(
                        MongoRunLogStore.COLLECTION,
                        logs.deleteMany(Filters.in("run_id", gone)).getDeletedCount());
                  }
                  pending.deleteOne(Filters.eq("_id", note[0]));
                });
    result.add(MongoRunStore.COLLECTION, runs);
    // chain runs over as long ago as their step runs (found by review: kept for good, their steps'
    // links dead once those went)
    result.add(
        MongoChainRunStore.COLLECTION,
        new BatchDeleter(ctx, settings.batchSize)
            .delete(
                db.getCollection(MongoChainRunStore.COLLECTION),
                Filters.and(
                    Filters.in("status", CHAINS_ENDED),
                    Filters.or(
                        Filters.lt("requested_at", before),
                        // (requested after now, by a clock ahead: judged by when it ended)
                        Filters.and(
                            Filters.gt("requested_at", Date.from(now)),
                            Filters.lt("ended_at", before))),
                    Filters.or(Filters.exists("ended_at", false), Filters.lt("ended_at", before))),
                0,
                100));
    // dead letters and Jobline's own audit entries as old: one a refused record, the other an
    // operator's write, both grew for good, the first at any producer's will (found by review)
    result.add(
        MongoDeadLetterStore.COLLECTION,
        new BatchDeleter(ctx, settings.batchSize)
            .delete(
                db.getCollection(MongoDeadLetterStore.COLLECTION),
                Filters.lt("time", before),
                0,
                100));
    result.add(
        MongoAuditStore.COLLECTION,
        new BatchDeleter(ctx, settings.batchSize)
            .delete(
                db.getCollection(MongoAuditStore.COLLECTION), Filters.lt("at", before), 0, 100));
    // claims are left only by runs in flight when their partition changed hands; old ones serve no
    // one, but only whole attempts go: a released epoch is dated 1970, and one deleted while a
    // later epoch still held its run left a gap the next hand-over could claim across
    result.add(CLAIMS, new OldClaims(db.getCollection(CLAIMS), before).delete());
    return result.result(ctx);
  }

  /**
   * Finishes what cleanups stopped between deleting runs and deleting their lines left: deletes the
   * lines of the runs noted before {@code before} that are gone, and the notes.
   *
   * @return how many lines it deleted
   */
  /**
   * The runs of {@code ids} no one asked to run again lately: a retry or redrive by hand reserves
   * its attempt ({@link MongoDeadLetterStore#RESERVATIONS}, kept a day) before it sends it, and
   * history may not have written the run {@code retrying} yet (a commit away, or as long as it is
   * behind or down). Deleted then, the run came back from nothing, its earlier attempts gone, or
   * with a short retention never (found by review).
   */
  private static List<Object> notAskedAgain(MongoDatabase db, List<Object> ids, Instant now) {
    Set<Object> asked = new HashSet<>();
    db.getCollection(MongoDeadLetterStore.RESERVATIONS)
        .find(
            Filters.and(
                Filters.in(MongoDeadLetterStore.RESERVED_RUN, ids),
                Filters.gte("at", Date.from(now.minus(DeadLetterStore.RESERVATIONS_KEPT)))))
        .projection(Projections.include(MongoDeadLetterStore.RESERVED_RUN))
        .forEach(d -> asked.add(d.get(MongoDeadLetterStore.RESERVED_RUN)));
    return asked.isEmpty() ? ids : ids.stream().filter(id -> !asked.contains(id)).toList();
  }

  private static long deleteLinesOfGoneRuns(
      MongoDatabase db,
      MongoCollection<Document> logs,
      MongoCollection<Document> pending,
      Instant before) {
    long deleted = 0;
    for (Document note : pending.find(Filters.lt("at", Date.from(before)))) {
      List<Object> gone =
          BatchDeleter.gone(
              db.getCollection(MongoRunStore.COLLECTION),
              note.getList("run_ids", Object.class, List.of()));
      if (!gone.isEmpty()) {
        deleted += logs.deleteMany(Filters.in("run_id", gone)).getDeletedCount();
      }
      pending.deleteOne(Filters.eq("_id", note.get("_id")));
    }
    return deleted;
  }
}
