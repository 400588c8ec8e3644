package io.jobline.app;

import com.codahale.metrics.health.HealthCheck;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.ReplaceOptions;
import java.time.Clock;
import java.util.Date;
import org.bson.Document;

/**
 * Healthy when MongoDB does what the roles need of it: a read of a real collection and a write. A
 * ping alone is not enough — a store can answer pings while every read and write fails.
 */
public final class MongoHealthCheck extends HealthCheck {
  static final String COLLECTION = "jobline_health";
  private final MongoDatabase db;
  private final String checker;
  private final Clock clock;

  public MongoHealthCheck(MongoDatabase db, String checker, Clock clock) {
    this.db = db;
    this.checker = checker;
    this.clock = clock;
  }

  @Override
  protected Result check() {
    db.getCollection("job_runs").find().limit(1).first();
    db.getCollection(COLLECTION)
        .replaceOne(
            Filters.eq("_id", checker),
            new Document("_id", checker).append("at", Date.from(clock.instant())),
            new ReplaceOptions().upsert(true));
    return Result.healthy("MongoDB database '%s' reads and writes", db.getName());
  }
}
