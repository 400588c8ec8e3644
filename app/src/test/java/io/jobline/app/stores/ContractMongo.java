package io.jobline.app.stores;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import io.jobline.embedded.EmbeddedMongo;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;

/**
 * The embedded Mongo-wire server a store contract runs the Mongo implementation on, and the time
 * every contract starts from. Each contract test starts one before all its tests and closes it
 * after them.
 */
final class ContractMongo implements AutoCloseable {
  static final Instant T0 = Instant.parse("2026-12-02T04:00:00Z");
  static final Clock CLOCK = Clock.fixed(T0, ZoneOffset.UTC);
  private final EmbeddedMongo server;
  private final MongoClient client;

  private ContractMongo(EmbeddedMongo server) {
    this.server = server;
    this.client = MongoClients.create(server.uri());
  }

  static ContractMongo start() {
    return new ContractMongo(EmbeddedMongo.start(null, 0));
  }

  /** A database of its own for each store under test. */
  MongoDatabase freshDatabase() {
    return client.getDatabase("contract_" + UUID.randomUUID().toString().substring(0, 8));
  }

  @Override
  public void close() {
    client.close();
    server.close();
  }
}
