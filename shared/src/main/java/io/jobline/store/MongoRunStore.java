package io.jobline.store;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoClientSettings;
import com.mongodb.bulk.BulkWriteError;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Accumulators;
import com.mongodb.client.model.Aggregates;
import com.mongodb.client.model.BulkWriteOptions;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.ReplaceOneModel;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.Sorts;
import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.bson.BsonValue;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.bson.codecs.Codec;
import org.bson.conversions.Bson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link RunStore} on the {@code job_runs} collection. */
public final class MongoRunStore implements RunStore {
  private static final Logger LOG = LoggerFactory.getLogger(MongoRunStore.class);
  public static final String COLLECTION = "job_runs";
  static final String VISIBLE_AT = "materialized_at";
  static final String FOLD_RANK = "fold_rank";
  private static final Set<String> DATES = Set.of("requested_at", "started_at", "completed_at");
  private static final ReplaceOptions UPSERT = new ReplaceOptions().upsert(true);
  private static final Codec<Document> DOCUMENTS =
      MongoClientSettings.getDefaultCodecRegistry().get(Document.class);
  private static final BulkWriteOptions UNORDERED = new BulkWriteOptions().ordered(false);

  private final MongoDatabase database;
  private final MongoCollection<Document> runs;

  /** The same collection, written as BSON encoded here ({@link BsonRecords}). */
  private final MongoCollection<RawBsonDocument> rawRuns;

  private final Clock clock;

  public MongoRunStore(MongoDatabase db, Clock clock) {
    this.database = db;
    this.runs = db.getCollection(COLLECTION);
    this.rawRuns = runs.withDocumentClass(RawBsonDocument.class);
    this.clock = clock;
  }

  /**
   * Creates the indexes the queries need (real MongoDB uses them; the embedded store ignores them).
   */
  public MongoRunStore ensureIndexes() {
    runs.createIndex(
        Indexes.compoundIndex(Indexes.ascending("job_name"), Indexes.descending("requested_at")));
    runs.createIndex(
        Indexes.compoundIndex(Indexes.ascending("tenant_id"), Indexes.descending("requested_at")));
    runs.createIndex(Indexes.ascending("status"));
    idsPerRead = embedded(database) ? IDS_PER_READ : IDS_PER_READ_MONGODB;
    return this;
  }

  /**
   * Whether the server is the embedded Mongo-wire store: its {@code buildInfo} carries no {@code
   * gitVersion}, which every MongoDB build reports.
   */
  private static boolean embedded(MongoDatabase db) {
    try {
      return !db.runCommand(new Document("buildInfo", 1)).containsKey("gitVersion");
    } catch (RuntimeException e) {
      return true;
    }
  }

  @Override
  public Set<String> upsertAll(List<RunRecord> batch) {
    if (batch.isEmpty()) {
      return Set.of();
    }
    Date now = new Date(clock.millis());
    List<ReplaceOneModel<RawBsonDocument>> writes = new ArrayList<>(batch.size());
    for (RunRecord run : batch) {
      long rank = run.foldRank();
      writes.add(
          new ReplaceOneModel<>(
              notNewerThan(run.runId().value(), rank), bson(run, rank, now), UPSERT));
    }
    List<Integer> refused = replace(writes);
    if (refused.isEmpty()) {
      return Set.of();
    }
    // each is stored already: a newer fold (refused again, and rightly), or a run another writer
    // inserted between this one's match and its insert (now matched, if it ranks no higher)
    List<ReplaceOneModel<RawBsonDocument>> again = new ArrayList<>(refused.size());
    refused.forEach(i -> again.add(writes.get(i)));
    Set<String> notWritten = new HashSet<>();
    replace(again).forEach(i -> notWritten.add(batch.get(refused.get(i)).runId().value()));
    LOG.debug("{} older fold(s) of runs stored newer were not written", notWritten.size());
    return notWritten;
  }

  /** The run's document as stored, with when it was written and its rank (see {@link #find}). */
  private static RawBsonDocument bson(RunRecord run, long rank, Date now) {
    Map<String, Object> extra = new LinkedHashMap<>(4);
    extra.put(VISIBLE_AT, now);
    extra.put(FOLD_RANK, rank);
    RawBsonDocument direct = RunRecordBson.encode(run, extra);
    if (direct != null) {
      return direct;
    }
    RawBsonDocument fast = BsonRecords.encode(run, "run_id", DATES, extra);
    if (fast != null) {
      return fast;
    }
    Document doc = Documents.toDocument(run, "run_id", DATES);
    doc.putAll(extra);
    return new RawBsonDocument(doc, DOCUMENTS);
  }

  /**
   * The run's stored document unless it holds a newer fold: an older fold is never written over a
   * newer one, and one the store has no rank for (written before ranks were) is replaced.
   */
  private static Bson notNewerThan(String runId, long rank) {
    return Filters.and(Filters.eq("_id", runId), Filters.not(Filters.gt(FOLD_RANK, rank)));
  }

  /**
   * Replaces or inserts each run in one unordered bulk write, and returns the places in {@code
   * writes} of those the store refused because their run is stored with a higher rank: the guarded
   * replace matched nothing, so the upsert tried to insert a run whose id exists. In one command,
   * so atomic per run on a MongoDB, and no read of the stored ranks first (that read was a third of
   * the embedded store's work in a profile of {@code jobline bench}). Any other refusal is thrown.
   */
  private List<Integer> replace(List<ReplaceOneModel<RawBsonDocument>> writes) {
    try {
      rawRuns.bulkWrite(writes, UNORDERED);
      return List.of();
    } catch (MongoBulkWriteException e) {
      if (e.getWriteConcernError() != null
          || e.getWriteErrors().stream().anyMatch(w -> !duplicateId(w))) {
        throw e;
      }
      List<Integer> refused = new ArrayList<>(e.getWriteErrors().size());
      e.getWriteErrors().forEach(w -> refused.add(w.getIndex()));
      return refused;
    }
  }

  /**
   * Whether a write was refused for a duplicate {@code _id} (not another unique index, should one
   * be added): the error's key pattern when the server gives one, its message otherwise ("… index:
   * _id_ dup key: …", MongoDB's and the embedded store's alike).
   */
  static boolean duplicateId(BulkWriteError w) {
    if (ErrorCategory.fromErrorCode(w.getCode()) != ErrorCategory.DUPLICATE_KEY) {
      return false;
    }
    BsonValue pattern = w.getDetails().get("keyPattern");
    if (pattern != null) {
      return pattern.isDocument() && pattern.asDocument().keySet().equals(Set.of("_id"));
    }
    return !w.getMessage().contains(" index: ") || w.getMessage().contains(" index: _id_ ");
  }

  /** How many ids one read asks the embedded store for; see {@link #byIds}. */
  static final int IDS_PER_READ = 32;

  /** How many ids one read asks a MongoDB for: it finds them by index, each read a round trip. */
  static final int IDS_PER_READ_MONGODB = 1000;

  private volatile int idsPerRead = IDS_PER_READ;

  /**
   * The documents of these ids (those that exist), read {@value #IDS_PER_READ} ids at a time from
   * the embedded store ({@value #IDS_PER_READ_MONGODB} from a MongoDB, told apart in {@link
   * #ensureIndexes}). The embedded store finds an {@code $in} of ids by its index, then matches
   * every document found against the whole list again, so one read of n ids costs n² comparisons:
   * 600 ids took 40 ms, in chunks of 32 they take 18–23 ms (one id per read: 250 ms, the round
   * trips). A MongoDB matches by its index, and each more read is one more round trip.
   */
  private Iterable<Document> byIds(List<String> ids, Bson projection) {
    int perRead = idsPerRead;
    if (ids.size() <= perRead) {
      return runs.find(Filters.in("_id", ids)).projection(projection);
    }
    List<Document> out = new ArrayList<>(ids.size());
    for (int from = 0; from < ids.size(); from += perRead) {
      List<String> chunk = ids.subList(from, Math.min(ids.size(), from + perRead));
      runs.find(Filters.in("_id", chunk)).projection(projection).into(out);
    }
    return out;
  }

  /** The run a stored document holds, without the fields only the store keeps. */
  private static RunRecord toRun(Document doc) {
    doc.remove(VISIBLE_AT);
    doc.remove(FOLD_RANK);
    return Documents.fromDocument(doc, RunRecord.class, "run_id");
  }

  @Override
  public Optional<RunRecord> find(String runId) {
    Document doc = runs.find(Filters.eq("_id", runId)).first();
    if (doc == null) {
      return Optional.empty();
    }
    return Optional.of(toRun(doc));
  }

  @Override
  public Map<String, RunRecord> findAll(Collection<String> runIds) {
    Map<String, RunRecord> out = new LinkedHashMap<>();
    if (runIds.isEmpty()) {
      return out;
    }
    for (Document d : byIds(new ArrayList<>(runIds), null)) {
      RunRecord run = toRun(d);
      out.put(run.runId().value(), run);
    }
    return out;
  }

  /** What a page of runs reads of each ({@link RunRecord#listed}). */
  private static final Bson LISTED = Projections.exclude("params", "result", "logs");

  @Override
  public List<RunRecord> list(RunQuery q) {
    List<Bson> filters = new ArrayList<>();
    if (q.jobName() != null) {
      filters.add(Filters.eq("job_name", q.jobName()));
    }
    if (q.tenantId() != null) {
      filters.add(Filters.eq("tenant_id", q.tenantId()));
    }
    if (q.status() != null) {
      filters.add(Filters.eq("status", q.status().wire()));
    }
    if (q.chainRunId() != null) {
      filters.add(Filters.eq("trigger.chain_run_id", q.chainRunId()));
    }
    if (q.schedule() != null) {
      filters.add(Filters.eq("trigger.schedule", q.schedule()));
    }
    if (q.parentRunId() != null) {
      filters.add(Filters.eq("parent_run_id", q.parentRunId()));
    }
    if (q.from() != null) {
      filters.add(Filters.gte("requested_at", Date.from(q.from())));
    }
    if (q.to() != null) {
      filters.add(Filters.lt("requested_at", Date.from(q.to())));
    }
    if (q.after() != null) {
      filters.add(after(q.after().requestedAt(), q.after().runId(), q.ascending()));
    }
    var sort =
        q.ascending()
            ? Sorts.ascending("requested_at", "_id")
            : Sorts.descending("requested_at", "_id");
    List<RunRecord> out = new ArrayList<>();
    for (Document d :
        runs.find(filters.isEmpty() ? new Document() : Filters.and(filters))
            .projection(LISTED)
            .sort(sort)
            .limit(q.limit())) {
      out.add(toRun(d).listed());
    }
    return out;
  }

  /**
   * The runs after the one {@code (at, id)} in the order (requested_at, _id). A run without a
   * requested_at sorts before every dated one, as MongoDB sorts a missing field; a cursor at one
   * was ignored, so its page came again for ever, and descending, none was listed past the first
   * page (found by review).
   */
  private static Bson after(Instant at, String id, boolean ascending) {
    Bson undated = Filters.eq("requested_at", null);
    if (at == null) {
      return ascending
          ? Filters.or(
              Filters.and(undated, Filters.gt("_id", id)), Filters.ne("requested_at", null))
          : Filters.and(undated, Filters.lt("_id", id));
    }
    Date when = Date.from(at);
    return ascending
        ? Filters.or(
            Filters.gt("requested_at", when),
            Filters.and(Filters.eq("requested_at", when), Filters.gt("_id", id)))
        : Filters.or(
            Filters.lt("requested_at", when),
            Filters.and(Filters.eq("requested_at", when), Filters.lt("_id", id)),
            undated);
  }

  @Override
  public List<RunRecord> since(String jobName, String tenantId, Instant since) {
    return list(
        new RunQuery(
            jobName, tenantId, null, null, null, since, null, true, null, Integer.MAX_VALUE));
  }

  @Override
  public long deleteRequestedBefore(Instant cutoff) {
    Date before = Date.from(cutoff);
    // runs produced without requested_at (outside producers) are judged by when history last wrote
    // them
    return runs.deleteMany(
            Filters.or(
                Filters.lt("requested_at", before),
                Filters.and(Filters.exists("requested_at", false), Filters.lt(VISIBLE_AT, before))))
        .getDeletedCount();
  }

  @Override
  public long count() {
    return runs.countDocuments();
  }

  @Override
  public Map<String, RunStatus> statuses(Collection<String> runIds) {
    Map<String, RunStatus> out = new HashMap<>();
    Iterable<Document> found = byIds(new ArrayList<>(runIds), Projections.include("status"));
    for (Document d : found) {
      String status = d.getString("status");
      if (status != null) {
        out.put(d.getString("_id"), RunStatus.fromWire(status));
      }
    }
    return out;
  }

  @Override
  public long countByStatus(RunStatus status) {
    return runs.countDocuments(Filters.eq("status", status.wire()));
  }

  @Override
  public Map<RunStatus, Long> countByStatus(String tenantId, Instant since) {
    Bson match =
        tenantId == null
            ? Filters.gte("requested_at", Date.from(since))
            : Filters.and(
                Filters.eq("tenant_id", tenantId), Filters.gte("requested_at", Date.from(since)));
    Map<RunStatus, Long> out = new EnumMap<>(RunStatus.class);
    for (Document d :
        runs.aggregate(
            List.of(
                Aggregates.match(match), Aggregates.group("$status", Accumulators.sum("n", 1))))) {
      if (d.getString("_id") != null) {
        out.put(RunStatus.fromWire(d.getString("_id")), ((Number) d.get("n")).longValue());
      }
    }
    return out;
  }

  private static final Bson TIMING =
      Projections.include("requested_at", "started_at", "completed_at", VISIBLE_AT);

  @Override
  public List<RunTiming> timings() {
    List<RunTiming> out = new ArrayList<>();
    runs.find().projection(TIMING).forEach(d -> out.add(timing(d)));
    return out;
  }

  @Override
  public List<RunTiming> timings(Collection<String> runIds) {
    List<RunTiming> out = new ArrayList<>(runIds.size());
    byIds(new ArrayList<>(runIds), TIMING).forEach(d -> out.add(timing(d)));
    return out;
  }

  private static RunTiming timing(Document d) {
    return new RunTiming(
        d.getString("_id"),
        instant(d, "requested_at"),
        instant(d, "started_at"),
        instant(d, "completed_at"),
        instant(d, VISIBLE_AT));
  }

  private static Instant instant(Document d, String field) {
    Date date = d.getDate(field);
    return date == null ? null : date.toInstant();
  }
}
