package io.jobline.app.stores;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.MongoNamespace;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;
import io.jobline.embedded.EmbeddedMongo;
import java.util.List;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The memory store ({@code EmbeddedMongo} without a file), which keeps each document as BSON: what
 * is written is what is read, updates of every kind stick, and reads hand out copies.
 */
class MemoryStoreTest {
  private static EmbeddedMongo server;
  private static MongoClient client;
  private MongoCollection<Document> c;
  private MongoDatabase db;

  @BeforeAll
  static void start() {
    server = EmbeddedMongo.start(null, 0);
    client = MongoClients.create(server.uri());
  }

  @AfterAll
  static void stop() {
    client.close();
    server.close();
  }

  @BeforeEach
  void freshCollection() {
    db = client.getDatabase("memory_" + System.nanoTime());
    c = db.getCollection("things");
  }

  @Test
  void everyKindOfValueComesBackAsWritten() {
    Document doc = StoredValues.everyKind("run-1");
    c.insertOne(doc);

    assertThat(c.find(Filters.eq("_id", "run-1")).first()).isEqualTo(doc);
  }

  @Test
  void updatesOfEveryKindAreKept() {
    c.insertOne(new Document("_id", "a").append("n", 1).append("tags", List.of("x")));
    c.updateOne(Filters.eq("_id", "a"), Updates.inc("n", 2));
    c.updateOne(Filters.eq("_id", "a"), Updates.push("tags", "y"));
    c.updateOne(Filters.eq("_id", "a"), Updates.set("nested.deep", "z"));
    assertThat(c.find(Filters.eq("_id", "a")).first())
        .isEqualTo(
            new Document("_id", "a")
                .append("n", 3)
                .append("tags", List.of("x", "y"))
                .append("nested", new Document("deep", "z")));

    c.replaceOne(Filters.eq("_id", "a"), new Document("only", true));
    assertThat(c.find(Filters.eq("_id", "a")).first())
        .isEqualTo(new Document("_id", "a").append("only", true));

    c.replaceOne(
        Filters.eq("_id", "b"),
        new Document("made", "by upsert"),
        new ReplaceOptions().upsert(true));
    Document found = c.findOneAndUpdate(Filters.eq("_id", "b"), Updates.set("seen", 1));
    assertThat(found).isEqualTo(new Document("_id", "b").append("made", "by upsert"));
    assertThat(c.find(Filters.eq("_id", "b")).first().getInteger("seen")).isEqualTo(1);
  }

  @Test
  void deletedDocumentsAreGoneAndTheirPlacesTakenAgain() {
    for (int i = 0; i < 10; i++) {
      c.insertOne(new Document("_id", "d" + i).append("i", i));
    }
    c.deleteMany(Filters.lt("i", 5));
    assertThat(c.countDocuments()).isEqualTo(5);
    for (int i = 10; i < 13; i++) {
      c.insertOne(new Document("_id", "d" + i).append("i", i));
    }

    assertThat(c.countDocuments()).isEqualTo(8);
    assertThat(c.find(Filters.in("_id", "d1", "d6", "d12")).map(d -> d.getString("_id")))
        .containsExactlyInAnyOrder("d6", "d12");
    assertThat(c.find(Filters.gte("i", 11)).sort(Sorts.descending("i")).map(d -> d.get("i")))
        .containsExactly(12, 11);
    assertThat(c.find().sort(new Document("$natural", -1)).map(d -> d.get("i")))
        .as("freed places are taken again first to last, and natural order follows the places")
        .containsExactly(9, 8, 7, 6, 5, 12, 11, 10);
  }

  @Test
  void uniqueIndexesStillRefuseDuplicates() {
    c.createIndex(Indexes.ascending("key"), new IndexOptions().unique(true));
    c.insertOne(new Document("_id", 1).append("key", "k"));

    assertThatThrownBy(() -> c.insertOne(new Document("_id", 2).append("key", "k")))
        .isInstanceOf(MongoWriteException.class);
    assertThatThrownBy(() -> c.insertOne(new Document("_id", 1).append("key", "other")))
        .isInstanceOf(MongoWriteException.class);
    assertThat(c.countDocuments()).isEqualTo(1);
  }

  @Test
  void aRenamedCollectionKeepsItsDocuments() {
    c.insertMany(List.of(new Document("_id", "r1"), new Document("_id", "r2")));
    c.renameCollection(new MongoNamespace(db.getName(), "renamed"));

    assertThat(db.getCollection("renamed").countDocuments()).isEqualTo(2);
    assertThat(db.getCollection("renamed").find(Filters.eq("_id", "r2")).first()).isNotNull();
  }

  @Test
  void theDataSizeFollowsWritesUpdatesAndDeletes() {
    c.insertOne(new Document("_id", "s").append("pad", "x".repeat(1_000)));
    int one = size();
    assertThat(one).isGreaterThan(1_000);

    c.updateOne(Filters.eq("_id", "s"), Updates.set("pad", "x".repeat(3_000)));
    assertThat(size()).isEqualTo(one + 2_000);

    c.deleteOne(Filters.eq("_id", "s"));
    assertThat(size()).isZero();
  }

  private int size() {
    return ((Number) db.runCommand(new Document("collStats", "things")).get("size")).intValue();
  }
}
