package io.jobline.app.stores;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.MongoNamespace;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.ReplaceOptions;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import io.jobline.embedded.EmbeddedMongo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.bson.Document;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data-folder store keys its unique indexes by bytes (the library's own keys made every lookup
 * Java-serialize both sides of each comparison): ids, unique fields and compound keys still find
 * and refuse what they did, a folder written with the library's own indexes is rebuilt at its first
 * start, and the keys survive a restart.
 */
class H2StoreIndexTest {
  @TempDir Path dir;

  private static void withStore(EmbeddedMongo server, Consumer<MongoCollection<Document>> use) {
    try (MongoClient client = MongoClients.create(server.uri())) {
      use.accept(client.getDatabase("jobline").getCollection("things"));
    } finally {
      server.close();
    }
  }

  private static void seed(MongoCollection<Document> c, int from, int to) {
    List<Document> docs = new ArrayList<>();
    for (int i = from; i < to; i++) {
      docs.add(
          new Document("_id", "run-" + i)
              .append("name", "name-" + i)
              .append("a", i % 7)
              .append("b", i));
    }
    c.insertMany(docs);
  }

  /** Everything an index must still answer, on a collection holding runs 0 to n-1. */
  private static void answersAsAUniqueIndexMust(MongoCollection<Document> c, int n) {
    assertThat(c.countDocuments()).isEqualTo(n);
    assertThat(c.find(Filters.eq("_id", "run-" + (n - 1))).first()).isNotNull();
    assertThat(c.find(Filters.eq("_id", "run-" + n)).first()).isNull();
    assertThat(c.find(Filters.in("_id", List.of("run-0", "run-1", "nope"))).into(new ArrayList<>()))
        .hasSize(2);
    assertThat(c.find(Filters.eq("name", "name-3")).first().getString("_id")).isEqualTo("run-3");
    assertThat(c.find(Filters.regex("_id", "^run-1$")).into(new ArrayList<>())).hasSize(1);
    assertThatThrownBy(() -> c.insertOne(new Document("_id", "run-0")))
        .isInstanceOf(MongoWriteException.class)
        .hasMessageContaining("duplicate key");
    assertThatThrownBy(() -> c.insertOne(new Document("_id", "other").append("name", "name-1")))
        .isInstanceOf(MongoWriteException.class)
        .hasMessageContaining("duplicate key");
    assertThatThrownBy(
            () -> c.insertOne(new Document("_id", "other").append("a", 1).append("b", 1)))
        .isInstanceOf(MongoWriteException.class)
        .hasMessageContaining("duplicate key");
  }

  /**
   * A data folder's store file as mongo-java-server's own H2 backend writes it: runs 0 to n-1, with
   * a unique index on name and one on (a, b).
   */
  private Path writtenByTheLibrary(String name, int n) {
    Path file = dir.resolve(name);
    MongoServer library = new MongoServer(new H2Backend(file.toString()));
    var address = library.bind();
    try (MongoClient client = MongoClients.create("mongodb://localhost:" + address.getPort())) {
      MongoCollection<Document> c = client.getDatabase("jobline").getCollection("things");
      c.createIndex(Indexes.ascending("name"), new IndexOptions().unique(true));
      c.createIndex(Indexes.ascending("a", "b"), new IndexOptions().unique(true));
      seed(c, 0, n);
    } finally {
      library.shutdownNow();
    }
    return file;
  }

  @Test
  void aFolderWrittenWithTheLibrarysIndexesIsRebuiltAndAnswersAsBefore() {
    Path file = writtenByTheLibrary("store.mv", 500);

    withStore(EmbeddedMongo.start(file, 0), c -> answersAsAUniqueIndexMust(c, 500));
    try (MVStore store = MVStore.open(file.toString())) {
      assertThat(store.getMapNames())
          .as("the library's own index maps are gone, the keyed ones hold every key")
          .noneMatch(name -> name.contains("._index_") && !name.endsWith("$keyed"))
          .anyMatch(name -> name.endsWith("._index__id_$keyed"))
          .as("the documents were copied to a map of BSON and the library's map dropped")
          .contains("databases.jobline.things$bson")
          .doesNotContain("databases.jobline.things");
    }

    // written and replaced through the keyed indexes, then read after a restart
    withStore(
        EmbeddedMongo.start(file, 0),
        c -> {
          seed(c, 500, 1000);
          c.replaceOne(
              Filters.eq("_id", "run-10"),
              new Document("name", "name-10").append("a", 10 % 7).append("b", 10).append("x", 1),
              new ReplaceOptions().upsert(true));
          c.deleteOne(Filters.eq("_id", "run-999"));
          c.insertOne(
              new Document("_id", "run-999")
                  .append("name", "name-999")
                  .append("a", 5)
                  .append("b", 999));
        });
    withStore(
        EmbeddedMongo.start(file, 0),
        c -> {
          answersAsAUniqueIndexMust(c, 1000);
          assertThat(c.find(Filters.eq("_id", "run-10")).first().getInteger("x")).isEqualTo(1);
          c.dropIndex("name_1");
          c.insertOne(new Document("_id", "other").append("name", "name-1"));
          assertThat(c.countDocuments(Filters.eq("name", "name-1"))).isEqualTo(2);
        });
  }

  @Test
  void aFirstStartCutShortIsDoneAgainFromTheStart() {
    Path file = writtenByTheLibrary("cut.mv", 300);
    // as a first start cut short leaves it: the library's maps still there, an id index partly
    // filled (here with the one key "x", which no document has)
    try (MVStore store = MVStore.open(file.toString())) {
      MVMap<byte[], Object> partial = store.openMap("jobline.things._index__id_$keyed");
      partial.put(new byte[] {1, 0, 'x'}, "x");
      store.commit();
    }

    withStore(
        EmbeddedMongo.start(file, 0),
        c -> {
          answersAsAUniqueIndexMust(c, 300);
          assertThat(c.find(Filters.eq("_id", "x")).first()).isNull();
          c.insertOne(new Document("_id", "x").append("name", "x").append("a", 0).append("b", -1));
          assertThat(c.countDocuments()).isEqualTo(301);
        });
  }

  @Test
  void aDocumentWhoseKeyAKilledProcessLeftOutOfAnIndexIsFoundAgainAfterARestart() {
    // found by review: a write puts the document, then its key, and H2 commits on its own too; a
    // process killed between the two left a document the index lacked, and every later write of
    // its id failed
    Path file = dir.resolve("killed.mv");
    withStore(
        EmbeddedMongo.start(file, 0),
        c -> {
          for (int i = 0; i < 20; i++) {
            c.insertOne(new Document("_id", "run-" + i).append("n", i));
          }
        });
    try (MVStore store = MVStore.open(file.toString())) {
      MVMap<byte[], Object> ids = store.openMap("jobline.things._index__id_$keyed");
      assertThat(ids.sizeAsLong()).isEqualTo(20);
      ids.remove(ids.lastKey()); // (as a commit between the document and its key left it)
      store.commit();
    }

    withStore(
        EmbeddedMongo.start(file, 0),
        c -> {
          for (int i = 0; i < 20; i++) {
            c.replaceOne(
                Filters.eq("_id", "run-" + i),
                new Document("_id", "run-" + i).append("n", -i),
                new ReplaceOptions().upsert(true));
          }
          assertThat(c.countDocuments()).isEqualTo(20);
          assertThat(c.find(Filters.lt("n", 1)).into(new ArrayList<>())).hasSize(20);
        });
  }

  @Test
  void aRenamedCollectionTakesItsIndexesAndOneMadeUnderTheOldNameHasItsOwn() {
    // found by review: the index maps stayed under the old name, and a collection made later
    // under it shared their keys with the renamed one
    Path file = dir.resolve("renamed.mv");
    EmbeddedMongo first = EmbeddedMongo.start(file, 0);
    try (MongoClient client = MongoClients.create(first.uri())) {
      var db = client.getDatabase("jobline");
      db.getCollection("things").insertOne(new Document("_id", "a").append("n", 1));
      db.getCollection("things").renameCollection(new MongoNamespace("jobline", "renamed"));
      db.getCollection("things").insertOne(new Document("_id", "a").append("n", 2));
      assertThat(db.getCollection("renamed").find(Filters.eq("_id", "a")).first().getInteger("n"))
          .isEqualTo(1);
    } finally {
      first.close();
    }
    EmbeddedMongo again = EmbeddedMongo.start(file, 0);
    try (MongoClient client = MongoClients.create(again.uri())) {
      var db = client.getDatabase("jobline");
      assertThat(db.getCollection("things").find(Filters.eq("_id", "a")).first().getInteger("n"))
          .isEqualTo(2);
      assertThat(db.getCollection("renamed").find(Filters.eq("_id", "a")).first().getInteger("n"))
          .isEqualTo(1);
      db.getCollection("renamed").insertOne(new Document("_id", "b"));
      assertThat(db.getCollection("things").countDocuments()).isEqualTo(1);
      assertThat(db.getCollection("renamed").countDocuments()).isEqualTo(2);
    } finally {
      again.close();
    }
  }

  @Test
  void everyKindOfValueComesBackAsWrittenAfterARestart() {
    Path file = dir.resolve("values.mv");
    Document doc = StoredValues.everyKind("run-1");
    withStore(EmbeddedMongo.start(file, 0), c -> c.insertOne(doc));
    withStore(
        EmbeddedMongo.start(file, 0),
        c -> {
          assertThat(c.find(Filters.eq("_id", "run-1")).first()).isEqualTo(doc);
          c.replaceOne(Filters.eq("_id", "run-1"), doc.append("int", 8));
        });
    withStore(
        EmbeddedMongo.start(file, 0),
        c -> assertThat(c.find(Filters.eq("_id", "run-1")).first().getInteger("int")).isEqualTo(8));
  }

  @Test
  void aRenamedCollectionKeepsItsDocumentsAcrossARestart() {
    Path file = dir.resolve("renamed.mv");
    withStore(
        EmbeddedMongo.start(file, 0),
        c -> {
          seed(c, 0, 10);
          c.renameCollection(new MongoNamespace("jobline", "renamed"));
        });
    EmbeddedMongo server = EmbeddedMongo.start(file, 0);
    try (MongoClient client = MongoClients.create(server.uri())) {
      MongoCollection<Document> renamed = client.getDatabase("jobline").getCollection("renamed");
      assertThat(renamed.countDocuments()).isEqualTo(10);
      assertThat(renamed.find(Filters.eq("_id", "run-3")).first()).isNotNull();
      assertThat(client.getDatabase("jobline").getCollection("things").countDocuments()).isZero();
    } finally {
      server.close();
    }
  }

  @Test
  void idsOfOtherKindsAreKeyedToo() {
    withStore(
        EmbeddedMongo.start(dir.resolve("kinds.mv"), 0),
        c -> {
          c.insertOne(new Document("_id", 1));
          c.insertOne(new Document("_id", 1L << 40));
          c.insertOne(new Document("_id", new Document("k", "v")));
          c.insertOne(new Document("_id", "\ud83d"));
          c.insertOne(new Document("_id", ""));
          assertThat(c.find(Filters.eq("_id", 1)).first()).isNotNull();
          assertThat(c.find(Filters.eq("_id", 1L << 40)).first()).isNotNull();
          assertThat(c.find(Filters.eq("_id", new Document("k", "v"))).first()).isNotNull();
          assertThat(c.find(Filters.eq("_id", "\ud83d")).first()).isNotNull();
          assertThat(c.find(Filters.eq("_id", "")).first()).isNotNull();
          assertThatThrownBy(() -> c.insertOne(new Document("_id", new Document("k", "v"))))
              .isInstanceOf(MongoWriteException.class);
          assertThat(c.countDocuments()).isEqualTo(5);
        });
  }
}
