package io.jobline.health;

import com.codahale.metrics.health.HealthCheck;
import com.mongodb.client.MongoDatabase;
import org.bson.Document;

/** Healthy when MongoDB answers a ping. */
public final class MongoHealthCheck extends HealthCheck {
  private final MongoDatabase db;

  public MongoHealthCheck(MongoDatabase db) {
    this.db = db;
  }

  @Override
  protected Result check() {
    db.runCommand(new Document("ping", 1));
    return Result.healthy("MongoDB database '%s' answers", db.getName());
  }
}
