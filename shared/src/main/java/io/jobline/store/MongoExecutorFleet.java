package io.jobline.store;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.bson.Document;

/**
 * {@link ExecutorFleet} on {@code job_partition_leases}, one document per partition with its owner
 * and when its lease runs out. Read-only; the executors write {@value #COLLECTION}.
 */
public final class MongoExecutorFleet implements ExecutorFleet {
  public static final String COLLECTION = "job_partition_leases";
  private final MongoCollection<Document> leases;

  public MongoExecutorFleet(MongoDatabase db) {
    this.leases = db.getCollection(COLLECTION);
  }

  @Override
  public List<Executor> up(Instant now) {
    Map<String, List<String>> partitions = new TreeMap<>();
    Map<String, Instant> expires = new TreeMap<>();
    for (Document d : leases.find(Filters.gt("expires_at", Date.from(now)))) {
      String owner = d.getString("owner");
      if (owner == null) {
        continue;
      }
      partitions.computeIfAbsent(owner, k -> new ArrayList<>()).add(d.getString("_id"));
      Instant until = d.getDate("expires_at").toInstant();
      expires.merge(owner, until, (a, b) -> a.isBefore(b) ? a : b);
    }
    List<Executor> out = new ArrayList<>();
    partitions.forEach(
        (owner, held) -> {
          held.sort(null);
          out.add(new Executor(owner, held, expires.get(owner)));
        });
    return out;
  }
}
