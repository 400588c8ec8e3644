package io.jobline.store;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.UpdateOneModel;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import com.mongodb.client.model.WriteModel;
import io.jobline.topic.DeadLetter;
import io.jobline.wire.Json;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.bson.Document;
import org.bson.conversions.Bson;

/**
 * {@link DeadLetterStore} on {@code job_dead_letters}, one document per dead-letter record, by its
 * id.
 */
public final class MongoDeadLetterStore implements DeadLetterStore {
  public static final String COLLECTION = "job_dead_letters";
  private static final Set<String> DATES = Set.of("time");

  /** Attempts asked for by hand, reserved while their requests are sent. */
  public static final String RESERVATIONS = "job_attempts_asked";

  /**
   * A reservation's run id (its {@code _id} is the run id and attempt): the run-history cleanup
   * keeps a run asked to run again lately.
   */
  public static final String RESERVED_RUN = "run_id";

  private final MongoCollection<Document> letters;
  private final MongoCollection<Document> reservations;

  /** When reservations past {@link #RESERVATIONS_KEPT} were last deleted, by this instance. */
  private volatile Instant sweptAt = Instant.MIN;

  public MongoDeadLetterStore(MongoDatabase db) {
    this.letters = db.getCollection(COLLECTION);
    this.reservations = db.getCollection(RESERVATIONS);
  }

  @Override
  public boolean reserveAttempt(
      String runId, int attempt, String token, Instant now, String asked, Duration held) {
    if (sweptAt.isBefore(now.minus(Duration.ofHours(1)))) {
      reservations.deleteMany(Filters.lt("at", Date.from(now.minus(RESERVATIONS_KEPT))));
      sweptAt = now;
    }
    String id = runId + ":" + attempt;
    Document mine =
        new Document("_id", id)
            .append(RESERVED_RUN, runId)
            .append("token", token)
            .append("at", Date.from(now));
    if (asked != null) {
      mine.append("asked", asked);
    }
    try {
      reservations.insertOne(mine);
      return true;
    } catch (MongoWriteException e) {
      if (e.getError().getCategory() != ErrorCategory.DUPLICATE_KEY) {
        throw e;
      }
    }
    // held: taken over only from one that stopped while sending (the swap is atomic)
    return reservations
            .replaceOne(
                Filters.and(
                    Filters.eq("_id", id),
                    Filters.ne("sent", true),
                    Filters.lt("at", Date.from(now.minus(held)))),
                mine)
            .getMatchedCount()
        > 0;
  }

  @Override
  public Optional<Reservation> reservation(String runId, int attempt) {
    Document held = reservations.find(Filters.eq("_id", runId + ":" + attempt)).first();
    if (held == null) {
      return Optional.empty();
    }
    return Optional.of(
        new Reservation(
            held.get("at") instanceof Date at ? at.toInstant() : null,
            Boolean.TRUE.equals(held.get("sent")),
            held.get("asked") instanceof String asked ? asked : null));
  }

  @Override
  public void releaseAttempt(String runId, int attempt, String token) {
    reservations.deleteOne(
        Filters.and(Filters.eq("_id", runId + ":" + attempt), Filters.eq("token", token)));
  }

  @Override
  public void attemptSent(String runId, int attempt, String token) {
    reservations.updateOne(
        Filters.and(Filters.eq("_id", runId + ":" + attempt), Filters.eq("token", token)),
        Updates.set("sent", true));
  }

  /**
   * Creates the indexes the list query needs (real MongoDB uses them; the embedded store ignores
   * them).
   */
  public MongoDeadLetterStore ensureIndexes() {
    letters.createIndex(Indexes.descending("time", "_id"));
    letters.createIndex(
        Indexes.compoundIndex(Indexes.ascending("tenant_id"), Indexes.descending("time")));
    letters.createIndex(Indexes.ascending("redrives.run_id"));
    // (the sweep of reservations past RESERVATIONS_KEPT, now a day of keyed run-now requests too)
    reservations.createIndex(Indexes.ascending("at"));
    reservations.createIndex(Indexes.ascending(RESERVED_RUN)); // (the run-history cleanup's)
    return this;
  }

  @Override
  public void putAll(List<DeadLetter> deadLetters) {
    if (deadLetters.isEmpty()) {
      return;
    }
    List<WriteModel<Document>> writes = new ArrayList<>(deadLetters.size());
    for (DeadLetter d : deadLetters) {
      Document doc = Documents.toDocument(d, "id", DATES);
      doc.remove("_id");
      doc.remove("redrives"); // the api's to add to; a record read again must not wipe them
      writes.add(
          new UpdateOneModel<>(
              Filters.eq("_id", d.id()),
              new Document("$set", doc),
              new UpdateOptions().upsert(true)));
    }
    letters.bulkWrite(writes);
  }

  @Override
  public Optional<DeadLetter> find(String id) {
    return Optional.ofNullable(letters.find(Filters.eq("_id", id)).first())
        .map(MongoDeadLetterStore::read);
  }

  @Override
  public Optional<DeadLetter> redrivenAs(String runId, int attempt) {
    return Optional.ofNullable(
            letters
                .find(
                    Filters.elemMatch(
                        "redrives",
                        Filters.and(Filters.eq("run_id", runId), Filters.eq("attempt", attempt))))
                .first())
        .map(MongoDeadLetterStore::read);
  }

  @Override
  public boolean redriven(String id, DeadLetter.Redrive redrive) {
    Document entry = Document.parse(Json.mapper().valueToTree(redrive).toString());
    return letters
            .updateOne(Filters.eq("_id", id), Updates.push("redrives", entry))
            .getMatchedCount()
        > 0;
  }

  @Override
  public List<DeadLetter> list(Query q) {
    List<Bson> filters = new ArrayList<>();
    if (q.tenantId() != null) {
      filters.add(Filters.eq("tenant_id", q.tenantId()));
    }
    if (q.jobName() != null) {
      filters.add(Filters.eq("job_name", q.jobName()));
    }
    if (q.topic() != null) {
      filters.add(Filters.eq("topic", q.topic()));
    }
    if (q.redriven() != null) {
      filters.add(
          q.redriven() ? Filters.exists("redrives.0") : Filters.not(Filters.exists("redrives.0")));
    }
    if (q.after() != null && q.after().at() != null) {
      Date t = Date.from(q.after().at());
      filters.add(
          Filters.or(
              Filters.lt("time", t),
              Filters.and(Filters.eq("time", t), Filters.lt("_id", q.after().id()))));
    }
    List<DeadLetter> out = new ArrayList<>();
    letters
        .find(filters.isEmpty() ? new Document() : Filters.and(filters))
        .sort(Sorts.descending("time", "_id"))
        .limit(q.limit())
        .forEach(d -> out.add(read(d)));
    return out;
  }

  private static DeadLetter read(Document d) {
    return Documents.fromDocument(d, DeadLetter.class, "id");
  }
}
