package io.jobline.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Updates;
import de.bwaldvogel.mongo.MongoServer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.bson.Document;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.type.DataType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data folder's store never changes a document once it is in H2's map: H2 encodes what its
 * pages hold in the background, and a document changed while it was encoded failed the encoding,
 * which closed the store and hung every later request. The library changes the object a read
 * returned and puts it back, so each test holds the very object the map stores, updates the
 * document through the wire by each way the library reads it, and checks the held object is as it
 * was while the store answers the new value.
 */
class StoredDocumentsTest {
  private static final String MAP = "databases.jobline.runs$bson";

  @TempDir Path dir;
  private CompactH2Backend backend;
  private MongoServer server;
  private MongoClient client;
  private MongoCollection<Document> runs;

  @BeforeEach
  void start() {
    backend = new CompactH2Backend(dir.resolve("store.h2").toString());
    server = new MongoServer(backend);
    int port = EmbeddedKafka.freePort();
    server.bind("localhost", port);
    client = MongoClients.create("mongodb://localhost:" + port);
    runs = client.getDatabase("jobline").getCollection("runs");
    runs.insertOne(new Document("_id", "run-1").append("status", "queued").append("attempt", 1));
    runs.insertOne(new Document("_id", "run-2").append("status", "queued").append("attempt", 1));
  }

  @AfterEach
  void stop() {
    client.close();
    server.shutdown();
  }

  @Test
  void anUpdateByIdLeavesTheStoredObjectAsItWas() {
    assertUnchangedWhile(
        "run-1",
        () ->
            runs.updateOne(
                Filters.eq("_id", "run-1"),
                Updates.combine(Updates.set("status", "done"), Updates.unset("attempt"))));
    assertThat(runs.find(Filters.eq("_id", "run-1")).first())
        .isEqualTo(new Document("_id", "run-1").append("status", "done"));
  }

  @Test
  void anUpdateFoundByAScanLeavesTheStoredObjectAsItWas() {
    // no index on status: the library scans the map
    assertUnchangedWhile(
        "run-2",
        () ->
            runs.updateMany(
                Filters.and(Filters.eq("status", "queued"), Filters.eq("_id", "run-2")),
                Updates.inc("attempt", 1)));
    assertUnchangedWhile(
        "run-2", () -> runs.updateMany(Filters.eq("attempt", 2), Updates.set("status", "retry")));
    assertThat(runs.find(Filters.eq("_id", "run-2")).first())
        .isEqualTo(new Document("_id", "run-2").append("status", "retry").append("attempt", 2));
    assertThat(runs.find(Filters.eq("_id", "run-1")).first().getString("status"))
        .isEqualTo("queued");
  }

  @Test
  void aFindAndModifyInReverseNaturalOrderLeavesTheStoredObjectAsItWas() {
    Document[] returned = new Document[1];
    assertUnchangedWhile(
        "run-2",
        () ->
            returned[0] =
                runs.findOneAndUpdate(
                    Filters.eq("status", "queued"),
                    Updates.set("status", "claimed"),
                    new FindOneAndUpdateOptions()
                        .sort(new Document("$natural", -1))
                        .returnDocument(ReturnDocument.AFTER)));
    assertThat(returned[0].getString("_id")).isEqualTo("run-2");
    assertThat(returned[0].getString("status")).isEqualTo("claimed");
    assertThat(runs.find(Filters.eq("_id", "run-2")).first().getString("status"))
        .isEqualTo("claimed");
  }

  @Test
  void whatAReadReturnsIsNotTheStoredObject() {
    // a query's answer is encoded after the collection's lock is let go, while another request
    // may update the same document: it must be a copy too
    Map<String, Object> held = stored("run-1");
    backendCollection(
        c -> {
          Map<String, Object> read = c.getDocument("run-1");
          assertThat(read).isEqualTo(held).isNotSameAs(held);
          read.put("status", "changed by a reader");
        });
    assertThat(held.get("status")).isEqualTo("queued");
    assertThat(runs.find(Filters.eq("_id", "run-1")).first().getString("status"))
        .isEqualTo("queued");
  }

  /** Runs the update and checks the object the map held for the id before it is unchanged. */
  private void assertUnchangedWhile(String id, Runnable update) {
    Map<String, Object> held = stored(id);
    Map<String, Object> before = new LinkedHashMap<>(held);
    update.run();
    assertThat(held)
        .as("the object the store's map held for %s", id)
        .containsExactlyInAnyOrderEntriesOf(before);
    assertThat(new LinkedHashMap<>(stored(id)))
        .as("the map holds the updated document")
        .isNotEqualTo(before);
  }

  /** The object H2's map holds for the id (its page is in memory: the same object each time). */
  private Map<String, Object> stored(String id) {
    return documents(backend.getMvStore(), BsonDocumentType.INSTANCE).get(id);
  }

  /** The collection's map, as the store opened it (opening it again gives that same map). */
  private static <V> MVMap<Object, V> documents(MVStore store, DataType<V> values) {
    return store.openMap(MAP, new MVMap.Builder<Object, V>().valueType(values));
  }

  private void backendCollection(Consumer<CompactH2Backend.Collection> use) {
    use.accept(
        (CompactH2Backend.Collection)
            backend.resolveDatabase("jobline").resolveCollection("runs", true));
  }
}
