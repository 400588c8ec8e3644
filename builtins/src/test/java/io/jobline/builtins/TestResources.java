package io.jobline.builtins;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import com.mongodb.event.CommandListener;
import com.mongodb.event.CommandStartedEvent;
import io.jobline.embedded.EmbeddedMongo;
import io.jobline.job.JobResources;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.bson.BsonDocument;

/** A real Mongo-wire store in memory, handed to job classes as {@link JobResources} would be. */
public final class TestResources implements JobResources, AutoCloseable {
  public static final Instant NOW = Instant.parse("2026-03-04T10:00:00Z");

  /** What {@link #clock()} says: {@link #NOW} unless a test moves it. */
  public Instant now = NOW;

  public final BuiltinSettings settings = new BuiltinSettings();
  private final EmbeddedMongo server = EmbeddedMongo.start(null, 0);

  /** The commands the client sent, as sent. */
  public final List<BsonDocument> commands = new CopyOnWriteArrayList<>();

  private final MongoClient client =
      MongoClients.create(
          MongoClientSettings.builder()
              .applyConnectionString(new ConnectionString(server.uri()))
              .addCommandListener(
                  new CommandListener() {
                    @Override
                    public void commandStarted(CommandStartedEvent event) {
                      commands.add(event.getCommand().clone());
                    }
                  })
              .build());

  public TestResources() {
    settings.database = "app";
  }

  /** The application's database (where the tokens, audit log and export sources live). */
  public MongoDatabase app() {
    return client.getDatabase("app");
  }

  /** Jobline's own database. */
  public MongoDatabase database() {
    return resource(MongoDatabase.class);
  }

  @Override
  public <T> T resource(Class<T> type) {
    return resource(type, "jobline");
  }

  @Override
  public <T> T resource(Class<T> type, String name) {
    return type == MongoDatabase.class
        ? type.cast(client.getDatabase(name))
        : JobResources.super.resource(type, name);
  }

  @Override
  public Clock clock() {
    return Clock.fixed(now, ZoneOffset.UTC);
  }

  @Override
  public <T> Optional<T> settings(Class<T> type) {
    return type.isInstance(settings) ? Optional.of(type.cast(settings)) : Optional.empty();
  }

  @Override
  public void close() {
    client.close();
    server.close();
  }
}
