package io.jobline.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.MongoException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoCursor;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.InMemoryCursor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A cursor no client reads for ten minutes is closed, and the documents it held with it; one read
 * meanwhile is kept.
 */
class CursorExpiryTest {
  private final AtomicLong nanos = new AtomicLong();
  private CompactMemoryBackend backend;
  private GuardedMongoServer server;
  private MongoClient client;
  private MongoCollection<Document> docs;

  @BeforeEach
  void start() {
    backend = new CompactMemoryBackend(nanos::get);
    server = new GuardedMongoServer(backend);
    server.bind("localhost", 0);
    InetSocketAddress at = server.getLocalAddress();
    client = MongoClients.create("mongodb://localhost:" + at.getPort());
    docs = client.getDatabase("jobline").getCollection("docs");
    List<Document> many = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      many.add(new Document("_id", i));
    }
    docs.insertMany(many);
  }

  @AfterEach
  void stop() {
    client.close();
    server.shutdownNow();
  }

  private void pass(Duration d) {
    nanos.addAndGet(d.toNanos());
  }

  @Test
  void aCursorLeftHalfReadIsClosedAfterTenIdleMinutesAndOneStillReadIsKept() {
    MongoCursor<Document> left = docs.find().batchSize(2).iterator();
    left.next(); // (its first batch: the cursor stays open on the store with the other 18)
    MongoCursor<Document> read = docs.find().batchSize(2).iterator();
    read.next();
    assertThat(backend.cursors.sweep()).isZero();
    assertThat(backend.cursors.tracked()).isEqualTo(2);

    pass(Duration.ofMinutes(9));
    read.next();
    read.next(); // (a getMore: a use)
    pass(Duration.ofMinutes(1));
    assertThat(backend.cursors.sweep()).as("one idle for ten minutes").isEqualTo(1);
    assertThat(backend.cursors.tracked()).isEqualTo(1);

    left.next(); // (the rest of the batch it had)
    assertThatThrownBy(left::next).isInstanceOf(MongoException.class).hasMessageContaining("ursor");
    int rest = 0;
    while (read.hasNext()) {
      read.next();
      rest++;
    }
    assertThat(rest).isEqualTo(17);
    pass(Duration.ofMinutes(30));
    assertThat(backend.cursors.sweep()).as("read to the end: gone already").isZero();
    assertThat(backend.cursors.tracked()).isZero();
  }

  @Test
  void aCursorOpenedWithNoCursorTimeoutOutlivesTenIdleMinutesAndIsClosedAfterThirty() {
    // MongoDB keeps such a cursor past its timeout and kills it with its session, 30 minutes after
    // its last use; the store closed it after ten, and a slow export lost its place
    MongoCursor<Document> kept = docs.find().noCursorTimeout(true).batchSize(2).iterator();
    kept.next();
    MongoCursor<Document> plain = docs.find().batchSize(2).iterator();
    plain.next();
    backend.cursors.sweep();
    pass(CursorExpiry.IDLE);
    assertThat(backend.cursors.sweep()).as("only the one without noCursorTimeout").isEqualTo(1);
    kept.next(); // (the rest of its first batch)
    assertThat(kept.next().get("_id")).as("read on with a getMore").isEqualTo(2);

    pass(CursorExpiry.IDLE_WITHOUT_TIMEOUT.minusSeconds(1));
    assertThat(backend.cursors.sweep()).isZero();
    pass(Duration.ofSeconds(1));
    assertThat(backend.cursors.sweep()).as("idle for thirty minutes").isEqualTo(1);
    assertThat(backend.cursors.tracked()).isZero();
    kept.next(); // (the rest of its batch)
    assertThatThrownBy(kept::next).isInstanceOf(MongoException.class).hasMessageContaining("ursor");
    assertThat(backend.cursors.withoutTimeout()).isZero();

    // found by review: one closed before a sweep saw it stayed noted for good
    MongoCursor<Document> closedAtOnce = docs.find().noCursorTimeout(true).batchSize(1).iterator();
    assertThat(backend.cursors.withoutTimeout()).isEqualTo(1);
    closedAtOnce.close();
    backend.cursors.sweep();
    assertThat(backend.cursors.withoutTimeout()).isZero();
  }

  @Test
  void aCursorNumberedJustBeforeASweepAndRegisteredAfterItIsStillTracked() {
    // found by review: the library numbers a cursor, then registers it; a sweep between the two
    // passed its number over for good, and it never expired
    CursorRegistry registry = new CursorRegistry();
    CursorExpiry expiry = new CursorExpiry(registry, nanos::get);
    long id = registry.generateCursorId();
    assertThat(expiry.sweep()).isZero();
    registry.add(new InMemoryCursor(id, List.of(new de.bwaldvogel.mongo.bson.Document("_id", 1))));
    expiry.sweep();
    assertThat(expiry.tracked()).isEqualTo(1);
    pass(CursorExpiry.IDLE);
    assertThat(expiry.sweep()).isEqualTo(1);
    assertThat(registry.size()).isZero();
  }
}
