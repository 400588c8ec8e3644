package io.jobline.store;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;
import io.jobline.chain.ChainRun;
import io.jobline.chain.ChainStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.bson.Document;
import org.bson.conversions.Bson;

/**
 * {@link ChainRunStore} on {@code job_chain_runs}, with the ids of runs not yet ended in {@code
 * job_chain_runs_active}. Every write is by {@code _id}; no transaction is needed, as the
 * orchestrator repairs the active marks from the runs when it takes over.
 */
public final class MongoChainRunStore implements ChainRunStore {
  public static final String COLLECTION = "job_chain_runs";
  public static final String ACTIVE = "job_chain_runs_active";
  private static final Set<String> DATES = Set.of("requested_at", "started_at", "ended_at");

  /** The lease epoch of the orchestrator that last wrote a run. */
  private static final String EPOCH = "orchestrator_epoch";

  private final MongoCollection<Document> runs;
  private final MongoCollection<Document> active;

  public MongoChainRunStore(MongoDatabase db) {
    this.runs = db.getCollection(COLLECTION);
    this.active = db.getCollection(ACTIVE);
  }

  /**
   * Creates the indexes the list queries need (real MongoDB uses them; the embedded store ignores
   * them).
   */
  public MongoChainRunStore ensureIndexes() {
    runs.createIndex(
        Indexes.compoundIndex(Indexes.ascending("chain_name"), Indexes.descending("requested_at")));
    runs.createIndex(Indexes.descending("requested_at"));
    runs.createIndex(Indexes.ascending("status"));
    return this;
  }

  @Override
  public boolean create(ChainRun run) {
    boolean created = true;
    try {
      runs.insertOne(Documents.toDocument(run, "chain_run_id", DATES));
    } catch (MongoWriteException e) {
      if (e.getError().getCategory() != ErrorCategory.DUPLICATE_KEY) {
        throw e;
      }
      created = false;
    }
    if (created || find(run.chainRunId()).map(r -> !r.status().isTerminal()).orElse(false)) {
      active.replaceOne(
          Filters.eq("_id", run.chainRunId()),
          new Document("_id", run.chainRunId()),
          new ReplaceOptions().upsert(true));
    }
    return created;
  }

  @Override
  public Optional<ChainRun> find(String chainRunId) {
    return Optional.ofNullable(runs.find(Filters.eq("_id", chainRunId)).first())
        .map(MongoChainRunStore::read);
  }

  @Override
  public List<ChainRun> list(Query q) {
    List<Bson> filters = new ArrayList<>();
    if (q.chainName() != null) {
      filters.add(Filters.eq("chain_name", q.chainName()));
    }
    if (q.tenantId() != null) {
      filters.add(Filters.eq("tenant_id", q.tenantId()));
    }
    if (q.status() != null) {
      filters.add(Filters.eq("status", q.status().wire()));
    }
    List<ChainRun> out = new ArrayList<>();
    runs.find(filters.isEmpty() ? new Document() : Filters.and(filters))
        .sort(Sorts.orderBy(Sorts.descending("requested_at"), Sorts.descending("_id")))
        .limit(q.limit())
        .forEach(d -> out.add(read(d)));
    return out;
  }

  @Override
  public boolean update(ChainRun run, long epoch) {
    Document doc = Documents.toDocument(run, "chain_run_id", DATES);
    List<Bson> sets = new ArrayList<>();
    for (String field : List.of("status", "steps", "started_at", "ended_at")) {
      sets.add(doc.containsKey(field) ? Updates.set(field, doc.get(field)) : Updates.unset(field));
    }
    sets.add(Updates.set(EPOCH, epoch));
    return runs.updateOne(
                Filters.and(
                    Filters.eq("_id", run.chainRunId()),
                    Filters.or(Filters.exists(EPOCH, false), Filters.lte(EPOCH, epoch))),
                Updates.combine(sets))
            .getMatchedCount()
        > 0;
  }

  @Override
  public void requestCancel(String chainRunId) {
    runs.updateOne(Filters.eq("_id", chainRunId), Updates.set("cancel_requested", true));
  }

  @Override
  public List<String> active() {
    List<String> out = new ArrayList<>();
    active.find().forEach(d -> out.add(d.getString("_id")));
    return out;
  }

  @Override
  public void finished(String chainRunId) {
    active.deleteOne(Filters.eq("_id", chainRunId));
  }

  @Override
  public List<ChainRun> unfinished() {
    List<ChainRun> out = new ArrayList<>();
    runs.find(Filters.in("status", ChainStatus.QUEUED.wire(), ChainStatus.RUNNING.wire()))
        .forEach(d -> out.add(read(d)));
    return out;
  }

  private static ChainRun read(Document d) {
    return Documents.fromDocument(d, ChainRun.class, "chain_run_id");
  }
}
