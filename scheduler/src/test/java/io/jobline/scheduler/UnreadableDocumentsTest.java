package io.jobline.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import io.jobline.embedded.EmbeddedMongo;
import io.jobline.schedule.Schedule;
import io.jobline.schedule.Triggers;
import io.jobline.scheduler.lease.InMemoryLeaseStore;
import io.jobline.store.InMemoryRunStore;
import io.jobline.store.MongoScheduleStore;
import io.jobline.store.MongoTimerStore;
import io.jobline.testkit.SettableClock;
import io.jobline.wire.Json;
import java.time.Instant;
import java.util.Date;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A schedule or timer document nobody can read (written by hand, or by another version) stops
 * nothing.
 */
class UnreadableDocumentsTest {
  private static final Instant T0 = Instant.parse("2026-03-04T10:07:20Z");
  private final SettableClock clock = new SettableClock(T0);
  private final SchedulerTest.Captured out = new SchedulerTest.Captured();
  private EmbeddedMongo server;
  private MongoClient client;
  private MongoDatabase db;

  @BeforeEach
  void start() {
    server = EmbeddedMongo.start(null, 0);
    client = MongoClients.create(server.uri());
    db = client.getDatabase("unreadable");
  }

  @AfterEach
  void stop() {
    client.close();
    server.close();
  }

  @Test
  void theOtherSchedulesFireAndAnUnreadableTimerIsSetAsideWithItsReason() throws Exception {
    MongoScheduleStore schedules = new MongoScheduleStore(db, clock);
    Schedule good =
        Json.mapper()
            .readValue(
                "{\"job_name\":\"good\",\"job_type\":\"noop\",\"cron_expression\":\"*/1 * * * *\","
                    + "\"timezone\":\"UTC\"}",
                Schedule.class);
    schedules.save(good.withNextRunAt(Triggers.nextAfter(good, T0).orElseThrow()));
    db.getCollection(MongoScheduleStore.COLLECTION)
        .insertOne(
            new Document("_id", "broken")
                .append("trigger_type", "sometimes")
                .append("next_run_at", "not a date")
                .append("version", 99L));
    db.getCollection("job_timers")
        .insertOne(
            new Document("_id", "poison-timer")
                .append("due_at", Date.from(T0.minusSeconds(5)))
                .append("kind", "retry")
                .append("request", "not json"));
    SchedulerSettings settings = new SchedulerSettings();
    settings.schedulerId = "a";
    Scheduler scheduler =
        new Scheduler(
            schedules,
            new MongoTimerStore(db),
            new InMemoryLeaseStore(),
            new InMemoryRunStore(clock),
            out,
            settings,
            clock);

    scheduler.cycle();
    clock.set(Instant.parse("2026-03-04T10:08:00.010Z"));
    scheduler.cycle();

    assertThat(out.requests).extracting(r -> r.trigger().schedule()).containsExactly("good");
    assertThat(db.getCollection("job_timers").countDocuments()).isZero();
    Document dead = db.getCollection("job_timers_dead").find().first();
    assertThat(dead.getString("_id")).isEqualTo("poison-timer");
    assertThat(dead.getString("reason")).contains("unreadable request");
  }
}
