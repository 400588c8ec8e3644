package io.jobline.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.MongoSocketReadTimeoutException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import io.dropwizard.util.Duration;
import io.jobline.embedded.EmbeddedMongo;
import io.jobline.schedule.Schedule;
import io.jobline.schedule.Triggers;
import io.jobline.scheduler.lease.InMemoryLeaseStore;
import io.jobline.store.InMemoryRunStore;
import io.jobline.store.InMemoryTimerStore;
import io.jobline.store.MongoScheduleStore;
import io.jobline.store.ScheduleStore;
import io.jobline.testkit.SettableClock;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Schedule writes that take their version before they become visible, racing a scheduler that
 * reloads in between, on the real Mongo-wire store. The interleavings are forced (a held write),
 * not left to timing.
 */
class ScheduleReloadRaceTest {
  private static final Instant T0 = Instant.parse("2026-03-04T10:07:20Z");
  private static EmbeddedMongo server;
  private static MongoClient client;

  private final SettableClock clock = new SettableClock(T0);
  private final HeldWrites held = new HeldWrites();
  private final ExecutorService writers = Executors.newFixedThreadPool(8);
  private MongoDatabase db;
  private MongoScheduleStore writer;

  /** A second writer on the same database, never held. */
  private MongoScheduleStore other;

  private Scheduler scheduler;
  private final SchedulerTest.Captured out = new SchedulerTest.Captured();

  @BeforeAll
  static void startStore() {
    server = EmbeddedMongo.start(null, 0);
    client = MongoClients.create(server.uri());
  }

  @AfterAll
  static void stopStore() {
    client.close();
    server.close();
  }

  private void setUp() {
    db = client.getDatabase("race_" + UUID.randomUUID().toString().replace("-", ""));
    writer = new MongoScheduleStore(held.wrap(db), clock);
    other = new MongoScheduleStore(db, clock);
    SchedulerSettings settings = new SchedulerSettings();
    settings.schedulerId = "a";
    settings.leaseTtl = Duration.seconds(15);
    scheduler =
        new Scheduler(
            new MongoScheduleStore(db, clock),
            new InMemoryTimerStore(),
            new InMemoryLeaseStore(),
            new InMemoryRunStore(clock),
            out,
            settings,
            clock);
    scheduler.cycle(); // leads, loads nothing
  }

  @AfterEach
  void tearDown() {
    held.release();
    writers.shutdownNow();
    if (db != null) {
      db.drop();
    }
  }

  private Schedule schedule(String name, String cron) {
    try {
      Schedule s =
          Json.mapper()
              .readValue(
                  "{\"job_name\":\""
                      + name
                      + "\",\"job_type\":\"noop\",\"cron_expression\":\""
                      + cron
                      + "\",\"timezone\":\"UTC\",\"overlap\":\"allow\"}",
                  Schedule.class);
      return s.withNextRunAt(Triggers.nextAfter(s, clock.instant()).orElseThrow());
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  /**
   * The schedules fired from now to {@code iso}, cycling every 5 s on the way: within the lease, so
   * the leader goes on from what it holds (a jump past the lease reloads everything, which would
   * hide what its changes left stale).
   */
  private List<String> firedBy(String iso) {
    Instant to = Instant.parse(iso);
    List<String> names = new ArrayList<>();
    for (Instant t = clock.instant().plusSeconds(5); t.isBefore(to); t = t.plusSeconds(5)) {
      names.addAll(firedAt(t.toString()));
    }
    names.addAll(firedAt(iso));
    return names;
  }

  private List<String> firedAt(String iso) {
    clock.set(Instant.parse(iso));
    int before = out.requests.size();
    scheduler.cycle();
    List<String> names = new ArrayList<>();
    for (JobRequest r : out.requests.subList(before, out.requests.size())) {
      names.add(r.trigger().schedule());
    }
    return names;
  }

  @Test
  void aScheduleWhoseSaveBecomesVisibleAfterAReloadStillFires() throws Exception {
    setUp();
    held.arm(MongoScheduleStore.COLLECTION, "replaceOne");
    Future<?> save = writers.submit(() -> writer.save(schedule("slow-save", "*/1 * * * *")));
    held.awaitHeld();
    writer.save(schedule("quick-save", "*/1 * * * *")); // a later version, visible first

    scheduler.cycle(); // reloads while the first save is still in flight
    held.release();
    save.get(10, TimeUnit.SECONDS);

    assertThat(firedBy("2026-03-04T10:08:00.010Z"))
        .containsExactlyInAnyOrder("slow-save", "quick-save");
  }

  @Test
  void aLoadOfTheSchedulesThatFailsIsTriedAgainAtTheNextCycle() {
    // found by review: the feed was reset before the load read the store; after a failed load the
    // next cycle read only the changes since, into an empty index, and nothing fired until changed
    db = client.getDatabase("race_" + UUID.randomUUID().toString().replace("-", ""));
    writer = new MongoScheduleStore(db, clock);
    writer.save(schedule("hb", "*/1 * * * *"));
    AtomicBoolean fail = new AtomicBoolean(true);
    MongoScheduleStore read = new MongoScheduleStore(db, clock);
    ScheduleStore failingOnce =
        (ScheduleStore)
            Proxy.newProxyInstance(
                getClass().getClassLoader(),
                new Class<?>[] {ScheduleStore.class},
                (proxy, method, args) -> {
                  if (method.getName().equals("findEnabled") && fail.getAndSet(false)) {
                    throw new IllegalStateException("the cursor timed out");
                  }
                  try {
                    return method.invoke(read, args);
                  } catch (InvocationTargetException e) {
                    throw e.getCause();
                  }
                });
    SchedulerSettings settings = new SchedulerSettings();
    settings.schedulerId = "a";
    settings.leaseTtl = Duration.seconds(15);
    scheduler =
        new Scheduler(
            failingOnce,
            new InMemoryTimerStore(),
            new InMemoryLeaseStore(),
            new InMemoryRunStore(clock),
            out,
            settings,
            clock);
    clock.set(Instant.parse("2026-03-04T10:07:55Z")); // (the lease still held at the fire)
    assertThatThrownBy(scheduler::cycle).hasMessageContaining("the cursor timed out");

    assertThat(firedAt("2026-03-04T10:08:00.010Z")).containsExactly("hb");
  }

  @Test
  void aScheduleWhoseDeleteBecomesVisibleAfterAReloadNoLongerFires() throws Exception {
    setUp();
    writer.save(schedule("doomed", "*/1 * * * *"));
    scheduler.cycle();
    held.arm("job_schedule_tombstones", "replaceOne");
    Future<?> delete = writers.submit(() -> writer.delete("doomed"));
    held.awaitHeld();

    scheduler.cycle();
    held.release();
    delete.get(10, TimeUnit.SECONDS);

    assertThat(firedBy("2026-03-04T10:08:00.010Z")).isEmpty();
  }

  @Test
  void aScheduleDeletedWhileAnotherWriteChangedItNoLongerFires() throws Exception {
    // found by review: the delete took its version, and another write (a PATCH, a pause, the
    // scheduler's own bookkeeping) took a later one and changed the schedule before the delete
    // removed it; the scheduler applied that later version, took the delete's tombstone at the
    // earlier one for stale, and fired the deleted schedule every minute
    setUp();
    writer.save(schedule("doomed", "*/1 * * * *"));
    scheduler.cycle();
    held.arm(MongoScheduleStore.COLLECTION, "deleteOne");
    Future<?> delete = writers.submit(() -> writer.delete("doomed"));
    held.awaitHeld();
    Schedule read = other.find("doomed").orElseThrow();
    assertThat(other.moveNext(read, Instant.parse("2026-03-04T10:09:00Z"))).isTrue();
    scheduler.cycle(); // reads the later version

    held.release();
    delete.get(10, TimeUnit.SECONDS);

    assertThat(other.find("doomed")).isEmpty();
    assertThat(firedBy("2026-03-04T10:10:00.010Z")).isEmpty();
    assertThat(scheduler.loadedSchedules()).isZero();
  }

  @Test
  void aScheduleWrittenAgainAfterADeleteThatTookALaterVersionFires() throws Exception {
    // the mirror of the race above: a save that took its version before a delete took its own,
    // and wrote once the delete had removed the schedule; the tombstone's later version must not
    // hide the schedule the store holds
    setUp();
    writer.save(schedule("again", "*/1 * * * *"));
    scheduler.cycle();
    held.arm(MongoScheduleStore.COLLECTION, "replaceOne");
    Future<?> save = writers.submit(() -> writer.save(schedule("again", "*/1 * * * *")));
    held.awaitHeld();
    other.delete("again");
    scheduler.cycle(); // reads the tombstone while the save is under way
    assertThat(scheduler.loadedSchedules()).isZero();

    held.release();
    save.get(10, TimeUnit.SECONDS);

    assertThat(other.find("again")).isPresent();
    assertThat(firedBy("2026-03-04T10:09:00.010Z")).containsExactly("again", "again");
  }

  @Test
  void aTombstoneWhoseNameADocumentThatCannotBeReadHoldsAgainDoesNotStopTheFeed() throws Exception {
    // found by review of the tombstone fix: it read the schedule whole, which throws on a
    // document that cannot be read, and every refresh failed before the feed moved on
    setUp();
    writer.save(schedule("broken", "*/1 * * * *"));
    scheduler.cycle();
    held.arm(MongoScheduleStore.COLLECTION, "replaceOne");
    Future<?> save = writers.submit(() -> writer.save(schedule("slow", "*/1 * * * *")));
    held.awaitHeld(); // (the feed stays below the tombstone's version while this is in flight)
    other.delete("broken");
    db.getCollection(MongoScheduleStore.COLLECTION)
        .insertOne(
            new Document("_id", "broken")
                .append("job_name", "broken")
                .append("trigger_type", "no-such-trigger")
                .append("version", 1L)); // written by hand, unreadable
    held.release();
    save.get(10, TimeUnit.SECONDS);
    other.save(schedule("later", "*/1 * * * *"));

    assertThat(firedBy("2026-03-04T10:08:00.010Z")).containsExactlyInAnyOrder("slow", "later");
  }

  @Test
  void aPauseTheServerMadeAfterItsClientGaveUpIsStillRead() throws Exception {
    // found by review: a write that failed with an unknown outcome (a socket timeout) was taken off
    // the in-flight list at once; the scheduler moved past its version, and when the server made
    // the pause after all the scheduler never read it, and fired the paused schedule
    setUp();
    writer.save(schedule("paused-late", "*/1 * * * *"));
    scheduler.cycle();
    held.armUnknownOutcome(MongoScheduleStore.COLLECTION, "updateOne");
    Schedule read = writer.find("paused-late").orElseThrow();
    Schedule paused = read.merge(Json.object().put("paused", true));
    assertThatThrownBy(() -> writer.change(read, paused, false))
        .isInstanceOf(MongoSocketReadTimeoutException.class);
    scheduler.cycle();
    writer.save(schedule("other", "*/1 * * * *")); // (later versions come and are read)
    scheduler.cycle();

    held.landLate();

    assertThat(writer.find("paused-late").orElseThrow().paused()).isTrue();
    assertThat(firedBy("2026-03-04T10:08:00.010Z")).containsExactly("other");
  }

  @Test
  void aDeleteTheServerMadeAfterItsClientGaveUpIsStillRead() throws Exception {
    // found by review: the delete removed the schedule before it wrote its tombstone; one that
    // failed with an unknown outcome wrote none, and the server removing the schedule after all
    // left the scheduler firing it every minute (the api answered 404 for it)
    setUp();
    writer.save(schedule("deleted-late", "*/1 * * * *"));
    scheduler.cycle();
    held.armUnknownOutcome(MongoScheduleStore.COLLECTION, "deleteOne");
    assertThatThrownBy(() -> writer.delete("deleted-late"))
        .isInstanceOf(MongoSocketReadTimeoutException.class);
    scheduler.cycle();

    held.landLate();
    writer.save(schedule("other", "*/1 * * * *"));

    assertThat(other.find("deleted-late")).isEmpty();
    assertThat(firedBy("2026-03-04T10:09:00.010Z")).containsExactly("other", "other");
    assertThat(scheduler.loadedSchedules()).isEqualTo(1);
  }

  @Test
  void aDeleteWhoseScheduleWasNotRemovedLeavesItFiring() throws Exception {
    // the tombstone written, the schedule's removal failed: the store and the api still hold it
    setUp();
    writer.save(schedule("kept", "*/1 * * * *"));
    scheduler.cycle();
    held.armUnknownOutcome(MongoScheduleStore.COLLECTION, "deleteOne");
    assertThatThrownBy(() -> writer.delete("kept"))
        .isInstanceOf(MongoSocketReadTimeoutException.class);
    scheduler.cycle();

    assertThat(other.find("kept")).isPresent();
    assertThat(firedBy("2026-03-04T10:08:00.010Z")).containsExactly("kept");
  }

  @Test
  void aPatchedTriggerThatBecomesVisibleAfterAReloadTakesEffect() throws Exception {
    setUp();
    writer.save(schedule("patched", "*/1 * * * *"));
    scheduler.cycle();
    held.arm(MongoScheduleStore.COLLECTION, "replaceOne");
    Future<?> patch = writers.submit(() -> writer.save(schedule("patched", "0 12 * * *")));
    held.awaitHeld();

    scheduler.cycle();
    held.release();
    patch.get(10, TimeUnit.SECONDS);

    assertThat(firedBy("2026-03-04T10:08:00.010Z")).isEmpty();
    assertThat(firedAt("2026-03-04T12:00:00.010Z")).containsExactly("patched");
  }

  @Test
  void eightWritersCreatingAThousandSchedulesWhileTheSchedulerReloadsAreAllLoaded()
      throws Exception {
    setUp();
    List<Future<?>> done = new ArrayList<>();
    for (int w = 0; w < 8; w++) {
      int from = w * 125;
      done.add(
          writers.submit(
              () -> {
                for (int i = from; i < from + 125; i++) {
                  writer.save(schedule("s-" + i, "*/1 * * * *"));
                }
              }));
    }
    int reloads = 0;
    while (!done.stream().allMatch(Future::isDone)) {
      scheduler.cycle();
      reloads++;
    }
    for (Future<?> f : done) {
      f.get();
    }
    scheduler.cycle();

    assertThat(reloads).isGreaterThan(1);
    assertThat(scheduler.loadedSchedules()).isEqualTo(1000);
    assertThat(firedAt("2026-03-04T10:08:00.010Z")).hasSize(1000).doesNotHaveDuplicates();
  }

  @Test
  void aWriterThatDiedWithItsVersionInFlightHoldsTheFeedBackOnlyForAWhile() throws Exception {
    setUp();
    held.arm(MongoScheduleStore.COLLECTION, "replaceOne");
    CompletableFuture.runAsync(
        () -> writer.save(schedule("never-written", "*/1 * * * *")), writers);
    held.awaitHeld(); // this writer never finishes: its version stays registered as in flight
    writer.save(schedule("written", "*/1 * * * *"));

    scheduler.cycle();
    MongoScheduleStore reader = new MongoScheduleStore(db, clock);
    assertThat(reader.watermark().settled()).isZero();
    clock.set(T0.plus(MongoScheduleStore.ABANDONED_AFTER).plusSeconds(1));
    assertThat(reader.watermark().settled()).isEqualTo(2);
  }

  @Test
  void aWriteInFlightIsNotTakenForDeadBecauseItsWritersClockIsBehind() throws Exception {
    // found by review: a write's age was its writer's clock against the reader's, so a writer
    // ten minutes behind looked dead at once; the feed moved past its version and the scheduler
    // never loaded the change
    setUp();
    SettableClock behind = new SettableClock(T0.minus(java.time.Duration.ofMinutes(10)));
    MongoScheduleStore lagging = new MongoScheduleStore(held.wrap(db), behind);
    held.arm(MongoScheduleStore.COLLECTION, "replaceOne");
    CompletableFuture<Void> slow =
        CompletableFuture.runAsync(() -> lagging.save(schedule("slow", "*/1 * * * *")), writers);
    held.awaitHeld();
    writer.save(schedule("written", "*/1 * * * *"));
    MongoScheduleStore reader = new MongoScheduleStore(db, clock);

    assertThat(reader.watermark().settled()).as("the slow write is still in flight").isZero();
    scheduler.cycle();
    held.release();
    slow.get(10, TimeUnit.SECONDS);
    scheduler.cycle();
    assertThat(scheduler.loadedSchedules()).isEqualTo(2);
  }
}
