package io.jobline.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.MongoException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import java.io.DataInputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import org.bson.BsonDocument;
import org.bson.BsonRegularExpression;
import org.bson.BsonString;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Requests any process on the machine could send the store that broke it for everyone (found by
 * review): they are refused, and what the store held is still there and readable.
 */
class HostileRequestsTest {
  @TempDir Path dir;

  @Test
  void aNulInAFieldNameIsRefusedAndTheCollectionStaysReadable() {
    for (Path file : new Path[] {null, dir.resolve("nul.h2")}) {
      try (EmbeddedMongo mongo = EmbeddedMongo.start(file, 0, failed -> {});
          MongoClient client = MongoClients.create(mongo.uri())) {
        MongoCollection<Document> runs = client.getDatabase("jobline").getCollection("job_runs");
        runs.insertOne(new Document("_id", "r1").append("status", "queued"));

        // (the driver refuses a NUL in a name it writes itself; a rename's target is a value)
        assertThatThrownBy(
                () -> runs.updateOne(Filters.eq("_id", "r1"), Updates.rename("status", "s\0t")))
            .isInstanceOf(MongoException.class)
            .hasMessageContaining("NUL");

        assertThat(runs.find().into(new ArrayList<>()))
            .extracting(d -> d.getString("status"))
            .as(mongo.backend())
            .containsExactly("queued");
      }
    }
  }

  @Test
  void aMessageWhoseLengthsDoNotHoldClosesItsConnectionUnreadAndTheStoreServesTheRest()
      throws Exception {
    // found by review: the library allocated what a string claimed before reading it (2 GB here:
    // an OutOfMemoryError in the JVM of every role, its end with -XX:+ExitOnOutOfMemoryError), and
    // decoded nesting by recursion (a stack overflow)
    try (EmbeddedMongo mongo = EmbeddedMongo.start(null, 0, failed -> {});
        MongoClient client = MongoClients.create(mongo.uri())) {
      MongoCollection<Document> runs = client.getDatabase("jobline").getCollection("job_runs");
      runs.insertOne(new Document("_id", "r1"));
      int port = Integer.parseInt(mongo.uri().substring(mongo.uri().lastIndexOf(':') + 1));
      byte[][] hostile = {
        WireCheckTest.msg(WireCheckTest.claimingString(0x7FFF_FFF0, 8)),
        WireCheckTest.msg(WireCheckTest.nested(20_000))
      };
      for (byte[] message : hostile) {
        try (Socket socket = new Socket("localhost", port)) {
          socket.setSoTimeout(10_000);
          socket.getOutputStream().write(message);
          socket.getOutputStream().flush();
          assertThat(socket.getInputStream().read()).as("closed without a reply").isEqualTo(-1);
        }
      }

      assertThat(mongo.refusedMessages()).isEqualTo(2);
      runs.insertOne(new Document("_id", "r2"));
      assertThat(runs.countDocuments()).isEqualTo(2);
    }
  }

  @Test
  void droppingADatabaseWhoseNameStartsAnothersIsRefusedAndBothAreKept() {
    try (EmbeddedMongo mongo = EmbeddedMongo.start(dir.resolve("drop.h2"), 0, failed -> {});
        MongoClient client = MongoClients.create(mongo.uri())) {
      client.getDatabase("jobline").getCollection("job_runs").insertOne(new Document("_id", "r1"));
      client
          .getDatabase("jobline_rebuilt")
          .getCollection("job_runs")
          .insertOne(new Document("_id", "r2"));
      client.getDatabase("j").getCollection("x").insertOne(new Document("_id", 1));

      assertThatThrownBy(() -> client.getDatabase("j").drop())
          .isInstanceOf(MongoException.class)
          .hasMessageContaining("drop its collections one by one");
      assertThatThrownBy(() -> client.getDatabase("jobline").drop())
          .isInstanceOf(MongoException.class);

      assertThat(client.getDatabase("jobline").getCollection("job_runs").countDocuments())
          .isEqualTo(1);
      assertThat(client.getDatabase("jobline_rebuilt").getCollection("job_runs").countDocuments())
          .isEqualTo(1);
      client.getDatabase("jobline_rebuilt").drop(); // (no other database starts with its name)
      assertThat(client.getDatabase("jobline").getCollection("job_runs").countDocuments())
          .isEqualTo(1);
      assertThat(client.listDatabaseNames().into(new ArrayList<>()))
          .doesNotContain("jobline_rebuilt");
    }
  }

  @Test
  void theDataFoldersOwnNamesAndWritingAggregationsAreRefusedAndTheStoreGoesOn() throws Exception {
    // found by review: dropping a database named "databases" dropped every database; an
    // aggregation's $out of a field it did not find stopped the data folder's store (and the JVM)
    // for good
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Path file = dir.resolve("names.h2");
    try (EmbeddedMongo mongo = EmbeddedMongo.start(file, 0, failure::set);
        MongoClient client = MongoClients.create(mongo.uri())) {
      MongoCollection<Document> runs = client.getDatabase("jobline").getCollection("job_runs");
      runs.insertOne(new Document("_id", "r1"));
      for (String reserved : new String[] {"databases", "meta"}) {
        assertThatThrownBy(
                () -> client.getDatabase(reserved).getCollection("x").insertOne(new Document()))
            .as(reserved)
            .isInstanceOf(MongoException.class)
            .hasMessageContaining("the store keeps its own data under it");
        assertThatThrownBy(() -> client.getDatabase(reserved).drop())
            .isInstanceOf(MongoException.class);
      }
      Document missing =
          new Document(
              "$replaceRoot",
              new Document("newRoot", new Document("a", new Document("b", "$nope"))));
      List<List<Document>> writing =
          List.of(
              List.of(missing, new Document("$out", "copied")),
              List.of(
                  missing,
                  new Document(
                      "$merge",
                      new Document("into", new Document("db", "jobline").append("coll", "c")))),
              List.of(
                  new Document(
                      "$facet",
                      new Document("x", List.of(missing, new Document("$out", "copied"))))));
      for (List<Document> pipeline : writing) {
        assertThatThrownBy(() -> runs.aggregate(pipeline).into(new ArrayList<>()))
            .as(pipeline.toString())
            .isInstanceOf(MongoException.class)
            .hasMessageContaining("aggregations that write");
      }
      assertThat(
              runs.aggregate(List.of(new Document("$match", new Document())))
                  .into(new ArrayList<>()))
          .as("one that only reads is answered")
          .hasSize(1);

      runs.insertOne(new Document("_id", "r2"));
      assertThat(runs.countDocuments()).isEqualTo(2);
      assertThat(client.listDatabaseNames().into(new ArrayList<>())).containsExactly("jobline");
    }
    assertThat(failure.get()).isNull();
    try (EmbeddedMongo again = EmbeddedMongo.start(file, 0, failure::set);
        MongoClient client = MongoClients.create(again.uri())) {
      assertThat(client.getDatabase("jobline").getCollection("job_runs").countDocuments())
          .isEqualTo(2);
    }
  }

  @Test
  void aRegexThatWouldBacktrackForAgesIsRefusedAndTheStoreAnswersTheRest() {
    // found by review: matched under the collection's lock, one find held every request on the
    // collection (and, as they piled up, the store) for as long as the matcher took
    try (EmbeddedMongo mongo = EmbeddedMongo.start(null, 0, failed -> {});
        MongoClient client = MongoClients.create(mongo.uri())) {
      MongoCollection<Document> runs = client.getDatabase("jobline").getCollection("job_runs");
      runs.insertOne(new Document("_id", "r1").append("v", "a".repeat(25) + "!"));

      assertThatThrownBy(
              () -> runs.find(new Document("v", new Document("$regex", "^(a+)+$"))).first())
          .isInstanceOf(MongoException.class)
          .hasMessageContaining("a repeated group holds a repeat");
      assertThatThrownBy(() -> runs.find(Filters.regex("v", "^(a|a+)+$")).first())
          .isInstanceOf(MongoException.class);
      assertThatThrownBy(() -> runs.countDocuments(Filters.regex("v", "x".repeat(1_001))))
          .hasMessageContaining("longer than 1000 characters");

      assertThat(runs.find(Filters.regex("v", "^a+!$")).first()).isNotNull();
      // (found by review of the narrowed check: the library matches these as filters too)
      assertThatThrownBy(
              () ->
                  runs.updateOne(
                      Filters.eq("_id", "r1"),
                      new Document(
                          "$pull", new Document("tags", new Document("$regex", "^(a+)+$")))))
          .hasMessageContaining("a repeated group holds a repeat");
      assertThatThrownBy(
              () ->
                  runs.find()
                      .projection(
                          new Document(
                              "tags", new Document("$elemMatch", new Document("$regex", "(b*)*"))))
                      .first())
          .hasMessageContaining("a repeated group holds a repeat");
      // (found by review of the first form: a document written may hold any value under any key,
      // a run's params one named regex too; only what a command matches with is looked at)
      Document params =
          new Document("regex", "^(a+)+$").append("nested", new Document("regex", "(x*)*"));
      runs.insertOne(new Document("_id", "r2").append("params", params));
      runs.updateOne(
          Filters.eq("_id", "r2"),
          Updates.set("params", new Document("regex", "(b+)+").append("input", "bbb")));
      runs.replaceOne(Filters.eq("_id", "r2"), new Document("regex", "x".repeat(2_000)));
      assertThat(runs.find(Filters.eq("regex", "x".repeat(2_000))).first()).isNotNull();
    }
  }

  @Test
  void aLookupThatWouldMatchStoredValuesAsFiltersIsRefusedAndTheStoreAnswersTheRest() {
    // found by review: the library matched each value a document held as a filter of the other
    // collection, a stored regular expression as one, unchecked and without a budget
    try (EmbeddedMongo mongo = EmbeddedMongo.start(null, 0, failed -> {});
        MongoClient client = MongoClients.create(mongo.uri())) {
      MongoDatabase scratch = client.getDatabase("scratch");
      MongoCollection<Document> a = scratch.getCollection("a");
      a.insertOne(new Document("_id", 1).append("r", new BsonRegularExpression("^(a+)+$")));
      scratch.getCollection("b").insertOne(new Document("_id", 1).append("s", "a".repeat(5)));
      Document lookup =
          new Document(
              "$lookup",
              new Document("from", "b")
                  .append("localField", "r")
                  .append("foreignField", "s")
                  .append("as", "x"));
      Document graph =
          new Document(
              "$graphLookup",
              new Document("from", "b")
                  .append("startWith", "$r")
                  .append("connectFromField", "s")
                  .append("connectToField", "s")
                  .append("as", "x"));
      for (List<Document> pipeline :
          List.of(
              List.of(lookup),
              List.of(new Document("$facet", new Document("f", List.of(graph)))))) {
        assertThatThrownBy(() -> a.aggregate(pipeline).into(new ArrayList<>()))
            .as(pipeline.toString())
            .isInstanceOf(MongoException.class)
            .hasMessageContaining("aggregations that look up");
      }
      assertThat(a.aggregate(List.of(new Document("$match", new Document("_id", 1)))).first())
          .as("one that does not look up is answered")
          .isNotNull();
    }
  }

  @Test
  void aLegacyQueryOfACollectionIsAnsweredWithAnErrorAndTheStoreAnswersTheRest() throws Exception {
    // found by review: the library answered a legacy OP_QUERY outside every check of commands,
    // its filter's regular expression matched unbounded under the collection's lock
    for (Path file : new Path[] {null, dir.resolve("legacy")}) {
      try (EmbeddedMongo mongo = EmbeddedMongo.start(file, 0, failed -> {});
          MongoClient client = MongoClients.create(mongo.uri())) {
        MongoCollection<Document> runs = client.getDatabase("jobline").getCollection("job_runs");
        runs.insertOne(new Document("_id", "r1"));
        int port = Integer.parseInt(mongo.uri().substring(mongo.uri().lastIndexOf(':') + 1));
        BsonDocument filter =
            new BsonDocument("s", new BsonDocument("$regex", new BsonString("^(a+)+$")));
        byte[] query =
            WireCheckTest.message(
                WireCheckTest.OP_QUERY,
                WireCheckTest.concat(
                    WireCheckTest.int32(0),
                    "jobline.job_runs\0".getBytes(StandardCharsets.UTF_8),
                    WireCheckTest.int32(0),
                    WireCheckTest.int32(1)),
                WireCheckTest.bson(filter));
        try (Socket socket = new Socket("localhost", port)) {
          socket.setSoTimeout(10_000);
          socket.getOutputStream().write(query);
          socket.getOutputStream().flush();
          DataInputStream in = new DataInputStream(socket.getInputStream());
          byte[] header = new byte[16];
          in.readFully(header);
          int length = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).getInt();
          byte[] reply = new byte[length - 16];
          in.readFully(reply);
          // (OP_REPLY: flags, cursor id, starting from, number returned, then the documents)
          ByteBuffer body = ByteBuffer.wrap(reply).order(ByteOrder.LITTLE_ENDIAN);
          assertThat(body.getInt(16)).as("documents returned").isEqualTo(1);
          RawBsonDocument answer = new RawBsonDocument(Arrays.copyOfRange(reply, 20, reply.length));
          assertThat(answer.getString("$err").getValue())
              .as(mongo.backend())
              .contains("commands only");
          assertThat(answer.getNumber("ok").intValue()).isZero();
        }
        assertThat(runs.countDocuments()).isEqualTo(1);
      }
    }
  }

  @Test
  void aRegexThatReadsItsValuesForAgesIsStoppedAtItsBudgetAndTheStoreAnswersTheRest() {
    // found by review of the look at each expression: unanchored .*x passed it and read a
    // 100,000-character value about 5 billion times, ten seconds under the collection's lock
    for (Path file : new Path[] {null, dir.resolve("data")}) {
      try (EmbeddedMongo mongo = EmbeddedMongo.start(file, 0, failed -> {});
          MongoClient client = MongoClients.create(mongo.uri())) {
        MongoCollection<Document> runs = client.getDatabase("jobline").getCollection("job_runs");
        runs.insertOne(
            new Document("_id", "long")
                .append("v", "a".repeat(100_000))
                .append("tags", List.of("a".repeat(100_000))));

        List<Document> copies = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
          copies.add(new Document("v", new Document("$regex", "a*x")));
        }
        // (found by review of the first form: these took 19 to 24 s each, or 400 budgets)
        List<Runnable> slow =
            List.of(
                () -> runs.countDocuments(new Document("$or", copies)),
                () ->
                    runs.aggregate(
                            List.of(
                                new Document(
                                    "$facet",
                                    new Document(
                                        "f",
                                        List.of(
                                            new Document(
                                                "$match",
                                                new Document(
                                                    "v", new Document("$regex", ".*x"))))))))
                        .first(),
                () ->
                    runs.updateOne(
                        Filters.eq("_id", "long"),
                        new Document("$pull", new Document("tags", new Document("$regex", ".*y")))),
                () ->
                    runs.countDocuments(
                        new Document("v", new Document("$regex", ".*x").append("$ne", "q"))),
                () -> runs.find(Filters.regex("v", ".*x")).first(),
                () ->
                    runs.find(
                            new Document(
                                "v", new Document("$regex", ".*X").append("$options", "i")))
                        .first(),
                () -> runs.find(Filters.in("v", Pattern.compile(".*.*x"))).first(),
                () -> runs.find(Filters.not(Filters.regex("v", ".*x"))).first(),
                () -> runs.countDocuments(Filters.regex("v", ".*x")),
                () -> runs.updateOne(Filters.regex("v", ".*x"), Updates.set("w", 1)),
                () ->
                    runs.deleteOne(
                        Filters.and(Filters.eq("_id", "long"), Filters.regex("v", ".*x"))));
        for (Runnable request : slow) {
          assertThatThrownBy(request::run)
              .isInstanceOf(MongoException.class)
              .hasMessageContaining("was stopped");
        }
        // what reads each value a few times still matches, and nothing was changed or deleted
        assertThat(runs.find(Filters.regex("v", "^a+$")).first()).isNotNull();
        assertThat(runs.countDocuments(Filters.regex("v", "A{100000}", "i"))).isEqualTo(1);
        assertThat(runs.find(Filters.and(Filters.regex("v", "^a"), Filters.ne("v", "b"))).first())
            .isNotNull();
        assertThat(runs.find(Filters.exists("w")).first()).isNull();
        // an upsert's filter may hold none: the library stores one in the document it inserts,
        // where MongoDB stores nothing of it (and unbounded it took 21 s)
        assertThatThrownBy(
                () ->
                    runs.updateOne(
                        new Document("v", new Document("$regex", ".*x")),
                        Updates.set("w", 1),
                        new UpdateOptions().upsert(true)))
            .hasMessageContaining("an upsert's filter holds a regular expression");
        assertThat(runs.countDocuments()).isEqualTo(1);
        assertThat(
                runs.countDocuments(
                    new Document("v", new Document("$regex", "^a").append("$ne", "b"))))
            .as("a $regex beside other conditions")
            .isEqualTo(1);
      }
    }
  }
}
