package io.jobline.store;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.ReplaceOneModel;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.WriteModel;
import io.jobline.run.AuditEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.bson.Document;
import org.bson.conversions.Bson;

/**
 * {@link AuditStore} on {@code job_audit}, one document per entry keyed by its id, indexed for
 * listing by target and by time.
 */
public final class MongoAuditStore implements AuditStore {
  public static final String COLLECTION = "job_audit";
  private static final Set<String> DATES = Set.of("at");
  private static final ReplaceOptions UPSERT = new ReplaceOptions().upsert(true);
  private final MongoCollection<Document> audit;

  public MongoAuditStore(MongoDatabase db) {
    this.audit = db.getCollection(COLLECTION);
  }

  public MongoAuditStore ensureIndexes() {
    audit.createIndex(
        Indexes.compoundIndex(
            Indexes.ascending("target_type", "target"), Indexes.descending("at")));
    audit.createIndex(Indexes.descending("at"));
    return this;
  }

  @Override
  public void putAll(List<AuditEntry> entries) {
    if (entries.isEmpty()) {
      return;
    }
    List<WriteModel<Document>> writes = new ArrayList<>(entries.size());
    for (AuditEntry e : entries) {
      writes.add(
          new ReplaceOneModel<>(
              Filters.eq("_id", e.auditId()), Documents.toDocument(e, "audit_id", DATES), UPSERT));
    }
    audit.bulkWrite(writes);
  }

  @Override
  public List<AuditEntry> list(Query q) {
    List<Bson> filters = new ArrayList<>();
    if (q.tenantId() != null) {
      filters.add(Filters.eq("tenant_id", q.tenantId()));
    }
    if (q.targetType() != null) {
      filters.add(Filters.eq("target_type", q.targetType()));
    }
    if (q.target() != null) {
      filters.add(Filters.eq("target", q.target()));
    }
    if (q.actor() != null) {
      filters.add(Filters.eq("actor", q.actor()));
    }
    if (q.action() != null) {
      filters.add(Filters.eq("action", q.action()));
    }
    List<AuditEntry> out = new ArrayList<>();
    audit
        .find(filters.isEmpty() ? new Document() : Filters.and(filters))
        .sort(Sorts.descending("at"))
        .limit(q.limit())
        .forEach(d -> out.add(Documents.fromDocument(d, AuditEntry.class, "audit_id")));
    return out;
  }
}
