package io.jobline.store;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoOperationTimeoutException;
import com.mongodb.MongoSocketReadException;
import com.mongodb.MongoSocketReadTimeoutException;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.UpdateOneModel;
import com.mongodb.client.model.Updates;
import com.mongodb.client.model.WriteModel;
import com.mongodb.client.result.UpdateResult;
import io.jobline.schedule.Schedule;
import io.jobline.wire.IsoInstant;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ScheduleStore} on {@code job_schedules}. Every save or delete takes the next value of a
 * counter ({@code job_counters}) as its {@code version}, and registers the version as in flight on
 * the counter in the same atomic update; it is taken off once the write is done. Deletions leave a
 * tombstone in {@code job_schedule_tombstones}, so a scheduler reloads only what changed, and the
 * in-flight list tells it which versions may still appear.
 */
public final class MongoScheduleStore implements ScheduleStore {
  private static final Logger LOG = LoggerFactory.getLogger(MongoScheduleStore.class);
  public static final String COLLECTION = "job_schedules";
  private static final Set<String> DATES =
      Set.of("last_run_at", "last_fire_through", "next_run_at", "run_at");
  private static final String VERSION_KEY = "schedules-version";

  /** What the scheduler records of a schedule's fires, besides its next fire time. */
  private static final Set<String> LAST_RUN =
      Set.of("last_run_at", "last_run_id", "last_run_status", "last_fire_through");

  /** The fields of a schedule's definition: what a {@link #change} writes. */
  private static final Set<String> DEFINITION = definitionFields();

  /**
   * A write a reader has seen in flight for this long (by the reader's clock) is taken for one
   * whose writer died, and ignored.
   */
  public static final Duration ABANDONED_AFTER = Duration.ofMinutes(5);

  private final MongoCollection<Document> schedules;
  private final MongoCollection<Document> tombstones;
  private final MongoCollection<Document> counters;
  private final Clock clock;

  /** When this reader first saw each write in flight, by its token. */
  private final Map<Object, Instant> firstSeen = new ConcurrentHashMap<>();

  public MongoScheduleStore(MongoDatabase db) {
    this(db, Clock.systemUTC());
  }

  public MongoScheduleStore(MongoDatabase db, Clock clock) {
    this.schedules = db.getCollection(COLLECTION);
    this.tombstones = db.getCollection("job_schedule_tombstones");
    this.counters = db.getCollection("job_counters");
    this.clock = clock;
  }

  public MongoScheduleStore ensureIndexes() {
    schedules.createIndex(
        Indexes.compoundIndex(Indexes.ascending("is_enabled"), Indexes.ascending("next_run_at")));
    schedules.createIndex(Indexes.ascending("version"));
    tombstones.createIndex(Indexes.ascending("version"));
    return this;
  }

  @Override
  public void save(Schedule schedule) {
    inFlight(
        1,
        v -> {
          Document doc = Documents.toDocument(schedule, "job_name", DATES);
          doc.put("version", v.first());
          schedules.replaceOne(
              Filters.eq("_id", schedule.jobName()), doc, new ReplaceOptions().upsert(true));
          // (only a tombstone older than this write: a delete since, with a later version, stays)
          tombstones.deleteOne(
              Filters.and(Filters.eq("_id", schedule.jobName()), Filters.lt("version", v.first())));
          return null;
        });
  }

  @Override
  public boolean saveIf(Schedule schedule, Schedule read) {
    return inFlight(
        1,
        v -> {
          Document doc = Documents.toDocument(schedule, "job_name", DATES);
          doc.put("version", v.first());
          if (read == null) {
            try {
              schedules.insertOne(doc);
            } catch (MongoWriteException e) {
              if (e.getError().getCategory() == ErrorCategory.DUPLICATE_KEY) {
                return false; // (created meanwhile)
              }
              throw e;
            }
          } else if (schedules
                  .replaceOne(
                      Filters.and(Filters.eq("_id", schedule.jobName()), versionIs(read)), doc)
                  .getMatchedCount()
              == 0) {
            return false;
          }
          // (only a tombstone older than this write: a delete since, with a later version, stays)
          tombstones.deleteOne(
              Filters.and(Filters.eq("_id", schedule.jobName()), Filters.lt("version", v.first())));
          return true;
        });
  }

  @Override
  public ChangeOutcome change(Schedule read, Schedule changed, boolean retimed) {
    Document doc = Documents.toDocument(changed, "job_name", DATES);
    List<Bson> updates = new ArrayList<>();
    for (String field : DEFINITION) {
      updates.add(
          doc.containsKey(field) ? Updates.set(field, doc.get(field)) : Updates.unset(field));
    }
    if (retimed) {
      updates.add(nextSetTo(changed.nextRunAt()));
    }
    List<Bson> asRead = new ArrayList<>();
    asRead.add(Filters.eq("_id", changed.jobName()));
    asRead.add(versionIs(read));
    if (retimed) {
      asRead.add(nextIs(read.nextRunAt()));
    }
    if (versioned(Filters.and(asRead), updates)) {
      return ChangeOutcome.CHANGED;
    }
    return schedules.find(Filters.eq("_id", changed.jobName())).first() == null
        ? ChangeOutcome.GONE
        : ChangeOutcome.MOVED;
  }

  @Override
  public boolean moveNext(Schedule read, Instant to) {
    return versioned(
        Filters.and(Filters.eq("_id", read.jobName()), versionIs(read), nextIs(read.nextRunAt())),
        List.of(nextSetTo(to)));
  }

  /** Matches a schedule of the version {@code read} has (none when it has none). */
  private static Bson versionIs(Schedule read) {
    return read.version() == null ? missing("version") : Filters.eq("version", read.version());
  }

  /** Matches a schedule whose next fire time is {@code next} (none when null). */
  private static Bson nextIs(Instant next) {
    return next == null ? missing("next_run_at") : Filters.eq("next_run_at", Date.from(next));
  }

  private static Bson nextSetTo(Instant next) {
    return next == null
        ? Updates.unset("next_run_at")
        : Updates.set("next_run_at", Date.from(next));
  }

  private static Bson missing(String field) {
    return Filters.or(Filters.exists(field, false), Filters.eq(field, null));
  }

  /** Applies {@code updates} with a new version to the schedule {@code filter} matches, if any. */
  private boolean versioned(Bson filter, List<Bson> updates) {
    return inFlight(
        1,
        v -> {
          List<Bson> all = new ArrayList<>(updates);
          all.add(Updates.set("version", v.first()));
          return schedules.updateOne(filter, Updates.combine(all)).getMatchedCount() > 0;
        });
  }

  private static Set<String> definitionFields() {
    Set<String> fields = new HashSet<>(Documents.fieldNames(Schedule.class));
    fields.removeAll(LAST_RUN);
    fields.removeAll(Set.of("job_name", "next_run_at", "version"));
    return Set.copyOf(fields);
  }

  /** Inserts many new schedules at once (bulk loading, e.g. the schedules benchmark). */
  public void insertAll(List<Schedule> batch) {
    if (batch.isEmpty()) {
      return;
    }
    inFlight(
        batch.size(),
        v -> {
          List<Document> docs = new ArrayList<>(batch.size());
          long next = v.first();
          for (Schedule s : batch) {
            Document doc = Documents.toDocument(s, "job_name", DATES);
            doc.put("version", next++);
            docs.add(doc);
          }
          schedules.insertMany(docs);
          return null;
        });
  }

  @Override
  public Optional<Schedule> find(String jobName) {
    return Optional.ofNullable(schedules.find(Filters.eq("_id", jobName)).first())
        .map(d -> read(datesStored(d)));
  }

  @Override
  public Map<String, Schedule> findReadable(Collection<String> jobNames) {
    Map<String, Schedule> found = new HashMap<>();
    if (!jobNames.isEmpty()) {
      schedules
          .find(Filters.in("_id", jobNames))
          .forEach(d -> readable(d).ifPresent(s -> found.put(s.jobName(), s)));
    }
    return found;
  }

  @Override
  public List<Schedule> findAll() {
    List<Schedule> out = new ArrayList<>();
    schedules.find().sort(Sorts.ascending("_id")).forEach(d -> readable(d).ifPresent(out::add));
    return out;
  }

  @Override
  public List<Schedule> findEnabled() {
    List<Schedule> out = new ArrayList<>();
    schedules.find(Filters.ne("is_enabled", false)).forEach(d -> readable(d).ifPresent(out::add));
    return out;
  }

  @Override
  public boolean delete(String jobName) {
    return inFlight(
        1,
        v -> {
          // the tombstone first: a delete made without it (its tombstone's write failed, or the
          // delete's outcome was unknown and the server made it after all) left a schedule the
          // scheduler was never told of, firing for good (found by review). A tombstone without
          // the delete, or a stale one, is read by the scheduler against what the store holds
          Document tombstone = new Document("_id", jobName).append("version", v.first());
          tombstones.replaceOne(
              Filters.eq("_id", jobName), tombstone, new ReplaceOptions().upsert(true));
          boolean deleted = schedules.deleteOne(Filters.eq("_id", jobName)).getDeletedCount() > 0;
          // and after: a save taking a later version in between removes the tombstone before it
          // (found by review of the first fix: its schedule then deleted here left no trace)
          tombstones.replaceOne(
              Filters.eq("_id", jobName), tombstone, new ReplaceOptions().upsert(true));
          return deleted;
        });
  }

  @Override
  public Watermark watermark() {
    Document d = counters.find(Filters.eq("_id", VERSION_KEY)).first();
    if (d == null) {
      return new Watermark(0, 0);
    }
    long lowest = 0;
    Instant now = clock.instant();
    List<Document> inFlight = d.getList("in_flight", Document.class, List.of());
    Set<Object> tokens = new HashSet<>();
    inFlight.forEach(w -> tokens.add(w.get("token")));
    firstSeen.keySet().retainAll(tokens);
    for (Document w : inFlight) {
      // timed by this reader's clock from when it first saw the write, never by the writer's: a
      // writer whose clock was behind looked dead at once, and the feed moved past its change
      Instant seen = firstSeen.computeIfAbsent(w.get("token"), t -> now);
      if (seen.plus(ABANDONED_AFTER).isBefore(now)) {
        LOG.warn(
            "A schedule write of versions {}-{} (started at {} by its writer's clock) has been in"
                + " flight since {} at least; its writer is taken for dead",
            w.get("from"),
            w.get("to"),
            w.getDate("at") == null ? null : w.getDate("at").toInstant(),
            seen);
        counters.updateOne(
            Filters.eq("_id", VERSION_KEY),
            Updates.pull("in_flight", new Document("token", w.get("token"))));
        continue;
      }
      long from = ((Number) w.get("from")).longValue();
      lowest = lowest == 0 ? from : Math.min(lowest, from);
    }
    return new Watermark(((Number) d.get("value")).longValue(), lowest);
  }

  @Override
  public List<Change> changesSince(long since) {
    List<Change> out = new ArrayList<>();
    schedules
        .find(Filters.gt("version", since))
        .forEach(d -> readable(d).ifPresent(s -> out.add(new Change(s.jobName(), s, s.version()))));
    tombstones
        .find(Filters.gt("version", since))
        .forEach(
            d ->
                out.add(
                    new Change(d.getString("_id"), null, ((Number) d.get("version")).longValue())));
    return out;
  }

  @Override
  public void recordFires(List<Fire> fires) {
    if (fires.isEmpty()) {
      return;
    }
    List<WriteModel<Document>> writes = new ArrayList<>(2 * fires.size());
    for (Fire f : fires) {
      Date at = Date.from(f.lastRunAt());
      Bson lastRun =
          Updates.combine(
              Updates.set("last_run_at", at),
              Updates.set("last_run_id", f.lastRunId()),
              Updates.set(
                  "last_run_status", f.lastRunStatus() == null ? null : f.lastRunStatus().wire()),
              Updates.set(
                  "last_fire_through",
                  f.lastFireThrough() == null ? null : Date.from(f.lastFireThrough())));
      Bson next =
          f.nextRunAt() == null
              ? Updates.unset("next_run_at")
              : Updates.set("next_run_at", Date.from(f.nextRunAt()));
      if (f.plannedFrom() == null) {
        writes.add(
            new UpdateOneModel<>(Filters.eq("_id", f.jobName()), Updates.combine(lastRun, next)));
        continue;
      }
      // the next fire time it was planned from still stored, at its version: all of it. Else (a
      // change as it fired): its last run only, when the fire is newer than the last one recorded
      Bson planned = Filters.eq("next_run_at", Date.from(f.plannedFrom()));
      if (f.plannedVersion() != null) {
        planned = Filters.and(planned, Filters.eq("version", f.plannedVersion()));
      }
      writes.add(
          new UpdateOneModel<>(
              Filters.and(Filters.eq("_id", f.jobName()), planned),
              Updates.combine(lastRun, next)));
      writes.add(
          new UpdateOneModel<>(
              Filters.and(
                  Filters.eq("_id", f.jobName()),
                  Filters.nor(planned),
                  Filters.or(
                      Filters.exists("last_run_at", false),
                      Filters.eq("last_run_at", null),
                      Filters.lt("last_run_at", at))),
              lastRun));
    }
    schedules.bulkWrite(writes);
  }

  /** Versions taken by one write, registered as in flight under {@code token}. */
  private record Versions(String token, long first, long last) {}

  /**
   * Takes the next {@code n} versions and registers them as in flight, in one compare-and-set on
   * the counter (so a reader never sees the counter past them without also seeing them in flight).
   */
  private Versions take(int n) {
    String token = UUID.randomUUID().toString();
    for (int tries = 0; ; tries++) {
      Document d = counters.find(Filters.eq("_id", VERSION_KEY)).first();
      if (d == null) {
        try {
          counters.insertOne(
              new Document("_id", VERSION_KEY).append("value", 0L).append("in_flight", List.of()));
        } catch (MongoWriteException e) {
          if (e.getError().getCategory() != ErrorCategory.DUPLICATE_KEY) {
            throw e;
          }
        }
        continue;
      }
      long value = ((Number) d.get("value")).longValue();
      Document entry =
          new Document("token", token)
              .append("from", value + 1)
              .append("to", value + n)
              .append("at", Date.from(clock.instant()));
      UpdateResult r =
          counters.updateOne(
              Filters.and(Filters.eq("_id", VERSION_KEY), Filters.eq("value", value)),
              Updates.combine(Updates.set("value", value + n), Updates.push("in_flight", entry)));
      if (r.getModifiedCount() == 1) {
        return new Versions(token, value + 1, value + n);
      }
      if (tries > 10_000) {
        throw new IllegalStateException(
            "could not take a schedule version: the counter keeps changing");
      }
      Thread.onSpinWait();
    }
  }

  /**
   * Makes a write under {@code n} versions taken for it, in flight until it is done. One whose
   * outcome is not known (sent, and its answer not read: the connection broke or timed out while
   * reading, or the operation's time ran out) stays in flight until readers give it up ({@link
   * #ABANDONED_AFTER}; meanwhile they read the changes after it at every look, as they apply them),
   * so that none moves its position past a write that becomes visible later (found by review: taken
   * off at once, a pause the server applied after the client's timeout was never read by the
   * scheduler, which fired the paused schedule until it reloaded).
   */
  private <T> T inFlight(int n, Function<Versions, T> write) {
    Versions v = take(n);
    try {
      T result = write.apply(v);
      done(v);
      return result;
    } catch (MongoSocketReadException
        | MongoSocketReadTimeoutException
        | MongoOperationTimeoutException unknown) {
      LOG.warn(
          "A schedule write of versions {}-{} may or may not have been made ({}); left in flight",
          v.first(),
          v.last(),
          unknown.toString());
      throw unknown;
    } catch (RuntimeException e) {
      done(v);
      throw e;
    }
  }

  /** Takes the write off the in-flight list. */
  private void done(Versions v) {
    counters.updateOne(
        Filters.eq("_id", VERSION_KEY),
        Updates.pull("in_flight", new Document("token", v.token())));
  }

  /**
   * The schedule a document holds, or nothing if it cannot be read (written by hand or by an
   * incompatible version): one bad document must not stop the scheduler from firing the others.
   */
  private Optional<Schedule> readable(Document d) {
    try {
      return Optional.of(read(datesStored(d)));
    } catch (RuntimeException e) {
      LOG.error(
          "Schedule document {} cannot be read and is left out until it is fixed or deleted: {}",
          d.get("_id"),
          e.toString());
      return Optional.empty();
    }
  }

  /**
   * Stores as dates the times a document holds as text (written by hand, or by a script): the
   * scheduler moves a next fire time only where the stored one is the date it fired, so a time kept
   * as text was fired at every start and never moved on. The text must still be the same when it is
   * replaced, and the version is left alone (the schedule does not change).
   */
  private Document datesStored(Document d) {
    for (String field : DATES) {
      if (d.get(field) instanceof String text) {
        Date date;
        try {
          date = Date.from(IsoInstant.parse(text));
        } catch (RuntimeException notIso) {
          continue; // (read as it is, or the schedule is left out as unreadable)
        }
        try {
          schedules.updateOne(
              Filters.and(Filters.eq("_id", d.get("_id")), Filters.eq(field, text)),
              Updates.set(field, date));
          LOG.info("Schedule {}: {} was stored as text; it is now a date", d.get("_id"), field);
        } catch (RuntimeException e) {
          // read all the same: a schedule left out of a load would not be loaded again until
          // it changed; the text is replaced at a later read
          LOG.warn(
              "Schedule {}: {} is stored as text and could not be replaced: {}",
              d.get("_id"),
              field,
              e.toString());
        }
        d.put(field, date);
      }
    }
    return d;
  }

  private static Schedule read(Document d) {
    return Documents.fromDocument(d, Schedule.class, "job_name");
  }
}
