package io.jobline.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Both embedded backends find a query on one {@code _id} and more conditions through the {@code
 * _id} index ({@link ByIdFirst}): history's guarded upsert of a run reads that run, not the whole
 * collection, and still answers as a scan would — matched, not matched, inserted, refused.
 */
class ByIdFirstTest {
  private static final int STORED = 2_000;

  @TempDir Path dir;

  record Store(String name, MongoBackend backend, LongAdder documentsRead) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<String> backends() {
    return Stream.of("memory", "h2");
  }

  private Store store(String kind) {
    if (kind.equals("memory")) {
      CompactMemoryBackend b = new CompactMemoryBackend();
      return new Store(kind, b, b.documentsRead);
    }
    CompactH2Backend b = new CompactH2Backend(dir.resolve("store.h2").toString());
    return new Store(kind, b, b.documentsRead);
  }

  private interface Use {
    void accept(MongoCollection<Document> c, LongAdder read);
  }

  private void with(String kind, Use use) {
    Store s = store(kind);
    MongoServer server = new MongoServer(s.backend());
    int port = EmbeddedKafka.freePort();
    server.bind("localhost", port);
    try (MongoClient client = MongoClients.create("mongodb://localhost:" + port)) {
      MongoCollection<Document> c = client.getDatabase("jobline").getCollection("runs");
      List<Document> docs = new ArrayList<>();
      for (int i = 0; i < STORED; i++) {
        docs.add(new Document("_id", "run-" + i).append("rank", i % 10).append("n", i));
      }
      c.insertMany(docs);
      use.accept(c, s.documentsRead());
    } finally {
      server.shutdown();
    }
  }

  private static Bson notNewer(String id, int rank) {
    return Filters.and(Filters.eq("_id", id), Filters.not(Filters.gt("rank", rank)));
  }

  @ParameterizedTest
  @MethodSource("backends")
  void aGuardedReplaceReadsOnlyTheRunItNames(String kind) {
    with(
        kind,
        (c, read) -> {
          read.reset();
          var done =
              c.replaceOne(
                  notNewer("run-1234", 5),
                  new Document("_id", "run-1234").append("rank", 5).append("n", -1),
                  new ReplaceOptions().upsert(true));
          assertThat(done.getMatchedCount()).isEqualTo(1);
          assertThat(read.sum()).as("documents read for one guarded replace").isLessThan(5);
          assertThat(c.find(Filters.eq("_id", "run-1234")).first().getInteger("n")).isEqualTo(-1);
        });
  }

  @ParameterizedTest
  @MethodSource("backends")
  void aQueryOnAnIdAndMoreFindsWhatAScanFinds(String kind) {
    with(
        kind,
        (c, read) -> {
          read.reset();
          assertThat(c.find(notNewer("run-17", 7)).first()).isNotNull(); // rank 7
          assertThat(c.find(notNewer("run-18", 7)).first()).isNull(); // rank 8
          assertThat(c.find(notNewer("run-none", 7)).first()).isNull();
          assertThat(c.find(Filters.and(Filters.eq("_id", "run-5"), Filters.eq("n", 5))).first())
              .isNotNull();
          assertThat(c.find(Filters.and(Filters.eq("_id", "run-5"), Filters.eq("n", 6))).first())
              .isNull();
          assertThat(read.sum()).isLessThan(10);

          // the library's own way for anything else: an id of another kind, no id, an $in of ids
          assertThat(
                  c.find(Filters.and(Filters.eq("_id", new ObjectId()), Filters.eq("n", 1)))
                      .first())
              .isNull();
          assertThat(c.countDocuments(Filters.eq("rank", 3))).isEqualTo(STORED / 10);
          assertThat(
                  c.countDocuments(
                      Filters.and(
                          Filters.in("_id", "run-1", "run-2", "run-3"), Filters.gt("n", 1))))
              .isEqualTo(2);
        });
  }

  @ParameterizedTest
  @MethodSource("backends")
  void aGuardedUpsertInsertsANewRunAndIsRefusedOverANewerOne(String kind) {
    with(
        kind,
        (c, read) -> {
          c.replaceOne(
              notNewer("run-new", 3),
              new Document("_id", "run-new").append("rank", 3),
              new ReplaceOptions().upsert(true));
          assertThat(c.find(Filters.eq("_id", "run-new")).first().getInteger("rank")).isEqualTo(3);

          read.reset();
          assertThatThrownBy(
                  () ->
                      c.replaceOne(
                          notNewer("run-19", 2), // stored with rank 9
                          new Document("_id", "run-19").append("rank", 2),
                          new ReplaceOptions().upsert(true)))
              .as("an older rank never replaces a newer one: the upsert's insert is refused")
              .isInstanceOfSatisfying(
                  MongoWriteException.class, e -> assertThat(e.getCode()).isEqualTo(11000));
          assertThat(read.sum()).isLessThan(5);
          assertThat(c.find(Filters.eq("_id", "run-19")).first().getInteger("rank")).isEqualTo(9);

          c.updateOne(
              Filters.and(Filters.eq("_id", "run-29"), Filters.eq("rank", 9)),
              Updates.set("n", 0),
              new UpdateOptions());
          assertThat(c.find(Filters.eq("_id", "run-29")).first().getInteger("n")).isZero();
        });
  }

  @Test
  void aReopenedDataFolderFindsByIdFirstAndCountsItsReads() {
    with("h2", (c, read) -> {}); // stored, then the server shut down
    CompactH2Backend reopened = new CompactH2Backend(dir.resolve("store.h2").toString());
    MongoServer server = new MongoServer(reopened);
    int port = EmbeddedKafka.freePort();
    server.bind("localhost", port);
    try (MongoClient client = MongoClients.create("mongodb://localhost:" + port)) {
      MongoCollection<Document> c = client.getDatabase("jobline").getCollection("runs");
      reopened.documentsRead.reset();
      assertThat(c.find(notNewer("run-1777", 7)).first()).isNotNull();
      assertThat(reopened.documentsRead.sum())
          .as("documents read in a collection the library opened in its constructor")
          .isBetween(1L, 4L);
    } finally {
      server.shutdown();
    }
  }
}
