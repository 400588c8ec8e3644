package io.jobline.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.BulkWriteOptions;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.ReplaceOneModel;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import com.mongodb.client.model.WriteModel;
import com.mongodb.client.result.UpdateResult;
import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.backend.memory.index.MemoryUniqueIndex;
import de.bwaldvogel.mongo.oplog.NoopOplog;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Date;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.function.Supplier;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Both embedded backends replace one document found by its {@code _id} the short way ({@link
 * ReplaceById}), and answer every write as the library's own memory backend does: the same counts,
 * the same refusals, the same documents stored.
 */
class ReplaceByIdTest {
  @TempDir Path dir;

  /** Two servers, the backend under test and the library's reference, each with a client. */
  private final class Pair implements AutoCloseable {
    final List<MongoServer> servers = new ArrayList<>();
    final List<MongoClient> clients = new ArrayList<>();
    final MongoCollection<Document> tested;
    final MongoCollection<Document> reference;

    Pair(String kind) {
      tested = collection(kind.equals("h2") ? h2() : new CompactMemoryBackend());
      reference = collection(new MemoryBackend());
    }

    private MongoBackend h2() {
      return new CompactH2Backend(dir.resolve("store.h2").toString());
    }

    private MongoCollection<Document> collection(MongoBackend backend) {
      MongoServer server = new MongoServer(backend);
      int port = EmbeddedKafka.freePort();
      server.bind("localhost", port);
      servers.add(server);
      MongoClient client = MongoClients.create("mongodb://localhost:" + port);
      clients.add(client);
      return client.getDatabase("jobline").getCollection("runs");
    }

    /** Does the same to both and checks they answer alike; returns what the tested one said. */
    String both(String what, Function<MongoCollection<Document>, Object> write) {
      String got = outcome(() -> write.apply(tested));
      String expected = outcome(() -> write.apply(reference));
      assertThat(got).as(what).isEqualTo(expected);
      return got;
    }

    void sameDocuments() {
      assertThat(all(tested)).isEqualTo(all(reference));
    }

    @Override
    public void close() {
      clients.forEach(MongoClient::close);
      servers.forEach(MongoServer::shutdown);
    }
  }

  private static List<Document> all(MongoCollection<Document> c) {
    List<Document> docs = c.find().into(new ArrayList<>());
    docs.sort(Comparator.comparing(d -> d.get("_id").toString()));
    return docs;
  }

  /** A write's result, or the kind and code of its refusal (messages differ in wording only). */
  private static String outcome(Supplier<Object> write) {
    try {
      Object result = write.get();
      if (result instanceof UpdateResult u) {
        return "matched "
            + u.getMatchedCount()
            + " modified "
            + u.getModifiedCount()
            + " upserted "
            + u.getUpsertedId();
      }
      return String.valueOf(result);
    } catch (MongoBulkWriteException e) {
      List<String> codes = new ArrayList<>();
      e.getWriteErrors().forEach(w -> codes.add(w.getIndex() + ":" + w.getCode()));
      return "bulk refused "
          + codes
          + " modified "
          + e.getWriteResult().getModifiedCount()
          + " upserted "
          + e.getWriteResult().getUpserts().size();
    } catch (MongoException e) {
      return "refused " + e.getCode();
    }
  }

  private static Bson notNewer(String id, int rank) {
    return Filters.and(Filters.eq("_id", id), Filters.not(Filters.gt("rank", rank)));
  }

  private static final ReplaceOptions UPSERT = new ReplaceOptions().upsert(true);

  @ParameterizedTest
  @ValueSource(strings = {"memory", "h2"})
  void aReplacementIsStoredAsGivenAndAnsweredAsTheLibraryAnswers(String kind) {
    try (Pair p = new Pair(kind)) {
      Document queued = new Document("_id", "r1").append("status", "queued").append("rank", 1);
      p.both("insert", c -> c.replaceOne(notNewer("r1", 1), queued, UPSERT));
      Document ended =
          new Document("_id", "r1")
              .append("status", "completed")
              .append("started_at", 5)
              .append("result", new Document("rows", List.of(1, 2, new Document("k", "v"))))
              .append("rank", 7);
      assertThat(p.both("replace", c -> c.replaceOne(notNewer("r1", 7), ended, UPSERT)))
          .isEqualTo("matched 1 modified 1 upserted null");
      assertThat(p.both("the same again", c -> c.replaceOne(notNewer("r1", 7), ended, UPSERT)))
          .isEqualTo("matched 1 modified 0 upserted null");
      assertThat(p.both("an older rank", c -> c.replaceOne(notNewer("r1", 3), queued, UPSERT)))
          .isEqualTo("refused 11000");
      p.sameDocuments();

      // as MongoDB stores a replacement: its fields in its order (the library keeps the old order)
      Document stored = p.tested.find(Filters.eq("_id", "r1")).first();
      assertThat(new ArrayList<>(stored.keySet()))
          .containsExactly("_id", "status", "started_at", "result", "rank");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "h2"})
  void whatItDoesNotTakeIsLeftToTheLibrary(String kind) {
    try (Pair p = new Pair(kind)) {
      p.both("seed", c -> c.replaceOne(Filters.eq("_id", "a"), new Document("n", 1), UPSERT));
      p.both("no _id in it", c -> c.replaceOne(Filters.eq("_id", "a"), new Document("n", 2)));
      p.both(
          "another _id",
          c -> c.replaceOne(Filters.eq("_id", "a"), new Document("_id", "b").append("n", 3)));
      // found by review: a null _id was stored over the id, and the document lost for good
      p.both(
          "a null _id",
          c -> c.replaceOne(Filters.eq("_id", "a"), new Document("_id", null).append("n", 4)));
      p.both(
          "a null _id, upserting",
          c ->
              c.replaceOne(
                  Filters.eq("_id", "u"), new Document("_id", null).append("n", 5), UPSERT));
      p.both("read by id after", c -> c.find(Filters.eq("_id", "a")).first());
      p.both(
          "a dollar key inside",
          c ->
              c.replaceOne(
                  Filters.eq("_id", "a"), new Document("n", new Document("$bad", 1)), UPSERT));
      p.both("nothing found, no upsert", c -> c.replaceOne(Filters.eq("_id", "x"), new Document()));
      p.both("operators", c -> c.updateOne(Filters.eq("_id", "a"), Updates.inc("n", 5)));
      p.both(
          "many",
          c -> c.updateMany(Filters.eq("_id", "a"), Updates.set("m", 1), new UpdateOptions()));
      ObjectId objectId = new ObjectId();
      p.both(
          "an ObjectId",
          c -> c.replaceOne(Filters.eq("_id", objectId), new Document("n", 1), UPSERT));
      p.sameDocuments();

      p.sameDocuments();
    }
  }

  /**
   * A unique index on more than {@code _id}: a replacement could break it, so the library checks.
   */
  @Test
  void aUniqueIndexOnAnotherFieldLeavesTheReplacementToTheLibrary() {
    de.bwaldvogel.mongo.bson.Document stored = new de.bwaldvogel.mongo.bson.Document("_id", "a");
    Function<Integer, de.bwaldvogel.mongo.bson.Document> read = p -> stored;
    MemoryUniqueIndex byId =
        new MemoryUniqueIndex("_id_", List.of(new IndexKey("_id", true)), false);
    byId.add(stored, 0, null);
    MemoryUniqueIndex byU = new MemoryUniqueIndex("u_1", List.of(new IndexKey("u", true)), false);
    de.bwaldvogel.mongo.bson.Document query = new de.bwaldvogel.mongo.bson.Document("_id", "a");
    de.bwaldvogel.mongo.bson.Document replacement = new de.bwaldvogel.mongo.bson.Document("u", 1);
    List<Integer> stores = new ArrayList<>();
    assertThat(replace(List.of(byId), query, replacement, read, stores)).isNotNull();
    assertThat(stores).containsExactly(0);
    assertThat(replace(List.of(byId, byU), query, replacement, read, stores)).isNull();
    assertThat(stores).containsExactly(0);
  }

  private static de.bwaldvogel.mongo.bson.Document replace(
      List<Index<Integer>> indexes,
      de.bwaldvogel.mongo.bson.Document query,
      de.bwaldvogel.mongo.bson.Document replacement,
      Function<Integer, de.bwaldvogel.mongo.bson.Document> read,
      List<Integer> stores) {
    ReplaceById.Target<Integer> target =
        new ReplaceById.Target<>() {
          @Override
          public List<Index<Integer>> getIndexes() {
            return indexes;
          }

          @Override
          public String fullName() {
            return "jobline.runs";
          }

          @Override
          public void addDocument(de.bwaldvogel.mongo.bson.Document document) {
            throw new AssertionError("nothing to insert here");
          }

          @Override
          public String idField() {
            return "_id";
          }

          @Override
          public de.bwaldvogel.mongo.bson.Document stored(Integer position) {
            return read.apply(position);
          }

          @Override
          public boolean matches(
              de.bwaldvogel.mongo.bson.Document document, de.bwaldvogel.mongo.bson.Document query) {
            return true;
          }

          @Override
          public void replaceStored(
              Integer position,
              de.bwaldvogel.mongo.bson.Document old,
              de.bwaldvogel.mongo.bson.Document replaced) {
            stores.add(position);
          }
        };
    return ReplaceById.update(target, query, replacement, false, true, NoopOplog.get());
  }

  /** Many random guarded writes, in bulk as history sends them: both stores end alike. */
  @ParameterizedTest
  @ValueSource(strings = {"memory", "h2"})
  void randomGuardedBulkWritesEndAlike(String kind) {
    Random random = new Random(42);
    try (Pair p = new Pair(kind)) {
      for (int round = 0; round < 200; round++) {
        List<WriteModel<Document>> writes = new ArrayList<>();
        int n = 1 + random.nextInt(12);
        for (int i = 0; i < n; i++) {
          String id = "run-" + random.nextInt(15);
          int rank = random.nextInt(8);
          Document doc = new Document();
          if (random.nextBoolean()) {
            doc.append("_id", id);
          }
          List<String> fields = new ArrayList<>(List.of("status", "rank", "result", "at", "x"));
          Collections.shuffle(fields, random);
          for (String f : fields.subList(0, 1 + random.nextInt(fields.size()))) {
            doc.append(f, value(f, rank, random));
          }
          Bson filter =
              switch (random.nextInt(8)) {
                case 0 -> Filters.eq("_id", id);
                case 1 -> Filters.and(Filters.eq("_id", id), Filters.eq("status", "queued"));
                case 2 -> Filters.and(Filters.eq("_id", id), Filters.in("x", 0, 1));
                default -> notNewer(id, rank);
              };
          writes.add(new ReplaceOneModel<>(filter, doc, UPSERT));
        }
        p.both(
            "round " + round,
            c ->
                c.bulkWrite(writes, new BulkWriteOptions().ordered(false)).getModifiedCount()
                    + " modified");
      }
      p.sameDocuments();
    }
  }

  private static Object value(String field, int rank, Random random) {
    return switch (field) {
      case "rank" -> rank;
      case "status" -> List.of("queued", "running", "completed").get(random.nextInt(3));
      case "result" ->
          random.nextBoolean()
              ? new Document("rows", random.nextInt(3)).append("tags", List.of("a", "b"))
              : List.of(random.nextInt(3), new Document("k", random.nextInt(2)));
      case "at" -> new Date(1_000L * random.nextInt(3));
      default ->
          switch (random.nextInt(4)) { // as the library counts a change: 1, 1L and 1.0 alike
            case 0 -> null;
            case 1 -> random.nextInt(2);
            case 2 -> (long) random.nextInt(2);
            default -> (double) random.nextInt(2);
          };
    };
  }
}
