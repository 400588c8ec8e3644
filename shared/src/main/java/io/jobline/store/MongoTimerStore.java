package io.jobline.store;

import static java.time.temporal.ChronoUnit.MILLIS;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.bson.Document;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link TimerStore} on {@code job_timers}. */
public final class MongoTimerStore implements TimerStore {
  private static final Logger LOG = LoggerFactory.getLogger(MongoTimerStore.class);
  static final String DEAD = "job_timers_dead";
  public static final String COLLECTION = "job_timers";
  private final MongoCollection<Document> timers;
  private final MongoCollection<Document> dead;

  public MongoTimerStore(MongoDatabase db) {
    this.timers = db.getCollection(COLLECTION);
    this.dead = db.getCollection(DEAD);
  }

  public MongoTimerStore ensureIndexes() {
    timers.createIndex(Indexes.ascending("due_at"));
    return this;
  }

  @Override
  public void set(Timer timer) {
    try {
      Document doc =
          new Document("_id", timer.id())
              .append("due_at", Date.from(timer.dueAt()))
              .append("kind", timer.kind())
              .append("request", Json.mapper().writeValueAsString(timer.request()));
      timers.replaceOne(Filters.eq("_id", timer.id()), doc, new ReplaceOptions().upsert(true));
    } catch (IOException e) {
      throw new IllegalStateException("cannot store timer " + timer.id(), e);
    }
  }

  @Override
  public List<Timer> due(Instant now, int limit) {
    List<Timer> out = new ArrayList<>();
    for (Document d :
        timers
            .find(Filters.lte("due_at", Date.from(now)))
            .sort(Sorts.ascending("due_at"))
            .limit(limit)) {
      try {
        out.add(read(d));
      } catch (RuntimeException e) {
        setAside(d, e);
      }
    }
    return out;
  }

  @Override
  public Optional<Instant> earliest() {
    Document d = timers.find().sort(Sorts.ascending("due_at")).limit(1).first();
    return Optional.ofNullable(d).map(x -> x.getDate("due_at").toInstant());
  }

  @Override
  public void delete(String id) {
    timers.deleteOne(Filters.eq("_id", id));
  }

  @Override
  public void deleteIfDue(String id, Instant dueAt) {
    timers.deleteOne(
        Filters.and(
            Filters.eq("_id", id), Filters.eq("due_at", Date.from(dueAt.truncatedTo(MILLIS)))));
  }

  @Override
  public boolean postpone(String id, Instant dueAt, Instant to) {
    return timers
            .updateOne(
                Filters.and(
                    Filters.eq("_id", id),
                    Filters.eq("due_at", Date.from(dueAt.truncatedTo(MILLIS)))),
                Updates.set("due_at", Date.from(to.truncatedTo(MILLIS))))
            .getModifiedCount()
        > 0;
  }

  @Override
  public void setAside(Timer timer, String reason) {
    Document d = timers.find(Filters.eq("_id", timer.id())).first();
    if (d != null) {
      LOG.error("Timer {} cannot be sent and is set aside in {}: {}", timer.id(), DEAD, reason);
      moveToDead(d, reason);
    }
  }

  /**
   * A timer that cannot be read is moved to {@code job_timers_dead} with the reason: it must not
   * stop the others.
   */
  private void setAside(Document d, RuntimeException cause) {
    LOG.error(
        "Timer {} cannot be read and is set aside in {}: {}", d.get("_id"), DEAD, cause.toString());
    moveToDead(d, String.valueOf(cause));
  }

  private void moveToDead(Document d, String reason) {
    dead.replaceOne(
        Filters.eq("_id", d.get("_id")),
        new Document(d).append("reason", reason),
        new ReplaceOptions().upsert(true));
    timers.deleteOne(Filters.eq("_id", d.get("_id")));
  }

  private static Timer read(Document d) {
    try {
      return new Timer(
          d.getString("_id"),
          d.getDate("due_at").toInstant(),
          d.getString("kind"),
          Json.mapper().readValue(d.getString("request"), JobRequest.class));
    } catch (IOException e) {
      throw new UnreadableTimerException(d.getString("_id"), e);
    }
  }
}
