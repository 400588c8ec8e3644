package io.jobline.builtins.export;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import java.util.Optional;
import org.bson.Document;
import org.bson.conversions.Bson;

/**
 * One export at a time of a tenant to a target type: a lease in Jobline's database, held by a run
 * and its epoch, renewed with every batch. Two exports of one tenant at once (a run by hand beside
 * the nightly one, a schedule that lets runs overlap, a run taken over while its first executor is
 * only cut off) each ended a pass by deleting the rows the other had written, rows of documents
 * that still exist (found by review).
 *
 * <p>A run taken over (a higher epoch of the same run) takes the lease at once; the run it took
 * over finds it gone at its next batch and stops, deleting nothing. A lease not renewed for {@link
 * #TTL} (its holder died) is free.
 */
final class ExportLease {
  static final String COLLECTION = "bi_export_leases";

  /** How long a lease lasts without a batch: far longer than a batch takes. */
  static final Duration TTL = Duration.ofMinutes(10);

  private final MongoCollection<Document> leases;
  private final String key;
  private final String run;
  private final long epoch;
  private final Clock clock;

  private ExportLease(
      MongoCollection<Document> leases, String key, String run, long epoch, Clock clock) {
    this.leases = leases;
    this.key = key;
    this.run = run;
    this.epoch = epoch;
    this.clock = clock;
  }

  /**
   * Takes the lease of {@code key} for {@code run} at {@code epoch}; empty when another export
   * holds it (see {@link #holder}).
   */
  static Optional<ExportLease> take(
      MongoDatabase db, String key, String run, long epoch, Clock clock) {
    ExportLease lease = new ExportLease(db.getCollection(COLLECTION), key, run, epoch, clock);
    Date until = Date.from(clock.instant().plus(TTL));
    try {
      lease.leases.insertOne(
          new Document("_id", key)
              .append("run", run)
              .append("epoch", epoch)
              .append("until", until));
      return Optional.of(lease);
    } catch (MongoWriteException e) {
      if (e.getError().getCategory() != ErrorCategory.DUPLICATE_KEY) {
        throw e;
      }
    }
    Bson free =
        Filters.or(
            Filters.lt("until", Date.from(clock.instant())),
            Filters.and(Filters.eq("run", run), Filters.lte("epoch", epoch)));
    long taken =
        lease
            .leases
            .updateOne(
                Filters.and(Filters.eq("_id", key), free),
                Updates.combine(
                    Updates.set("run", run),
                    Updates.set("epoch", epoch),
                    Updates.set("until", until)))
            .getMatchedCount();
    return taken == 1 ? Optional.of(lease) : Optional.empty();
  }

  /** The run holding the lease of {@code key}, for a message (empty when none does). */
  static String holder(MongoDatabase db, String key) {
    Document held = db.getCollection(COLLECTION).find(Filters.eq("_id", key)).first();
    return held == null ? "" : String.valueOf(held.get("run"));
  }

  /** Renews the lease; false when it is this export's no longer (another took it over). */
  boolean renew() {
    return leases
            .updateOne(mine(), Updates.set("until", Date.from(clock.instant().plus(TTL))))
            .getMatchedCount()
        == 1;
  }

  /** Lets the lease go, if it is still this export's. */
  void release() {
    leases.deleteOne(mine());
  }

  private Bson mine() {
    return Filters.and(Filters.eq("_id", key), Filters.eq("run", run), Filters.eq("epoch", epoch));
  }
}
