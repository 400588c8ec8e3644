package io.jobline.builtins.cleanup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.MAP;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import io.jobline.builtins.Recording;
import io.jobline.builtins.TestResources;
import io.jobline.store.MongoDeadLetterStore;
import io.jobline.wire.WireLimits;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.bson.BsonDocument;
import org.bson.Document;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RunHistoryCleanupTest {
  private final TestResources resources = new TestResources();

  @AfterEach
  void close() {
    resources.close();
  }

  private void run(String id, String status, int daysAgo, int logLines) {
    resources
        .database()
        .getCollection("job_runs")
        .insertOne(
            new Document("_id", id)
                .append("status", status)
                .append(
                    "requested_at", Date.from(TestResources.NOW.minus(Duration.ofDays(daysAgo)))));
    for (int i = 0; i < logLines; i++) {
      resources
          .database()
          .getCollection("job_run_logs")
          .insertOne(new Document("_id", id + ":" + i).append("run_id", id));
    }
  }

  @Test
  void endedRunsOlderThanTheRetentionGoWithTheirLogLines() {
    resources.settings.jobRuns.retentionDays = 90;
    resources.settings.batchSize = 2;
    run("old-completed", "completed", 91, 3);
    run("old-failed", "failed", 200, 2);
    run("old-missed", "missed", 95, 0);
    run("old-but-running", "running", 120, 1);
    run("recent", "completed", 89, 2);
    MongoCollection<Document> runs = resources.database().getCollection("job_runs");
    MongoCollection<Document> claims = resources.database().getCollection("job_claims");
    claims.insertOne(
        new Document("_id", "handed:1#1")
            .append("expires_at", Date.from(TestResources.NOW.minus(Duration.ofDays(91)))));
    claims.insertOne(
        new Document("_id", "handed:1#done")
            .append("ended_at", Date.from(TestResources.NOW.minus(Duration.ofDays(91)))));
    claims.insertOne(
        new Document("_id", "going:1#1")
            .append("expires_at", Date.from(TestResources.NOW.plusSeconds(30))));
    claims.insertOne(
        new Document("_id", "ended:1#done")
            .append("ended_at", Date.from(TestResources.NOW.minus(Duration.ofDays(1)))));

    Map<String, Object> result =
        new RunHistoryCleanup(resources).cleanupJobRuns(new Recording("cleanup_job_runs"));

    assertThat(result.get("deleted"))
        .isEqualTo(
            Map.of(
                "job_runs",
                3L,
                "job_run_logs",
                5L,
                "job_claims",
                2L,
                "job_chain_runs",
                0L,
                "job_dead_letters",
                0L,
                "job_audit",
                0L));
    assertThat(claims.find().map(d -> d.getString("_id")))
        .containsExactlyInAnyOrder("going:1#1", "ended:1#done");
    assertThat(runs.find().map(d -> d.getString("_id")))
        .containsExactlyInAnyOrder("old-but-running", "recent");
    assertThat(resources.database().getCollection("job_run_logs").countDocuments()).isEqualTo(3);
    // found by review: whole runs were read a batch at a time (a thousand log lines each: half a
    // gigabyte a batch, in an executor of 768 MiB); their ids are all the cleanup needs
    List<BsonDocument> batchReads =
        resources.commands.stream()
            .filter(c -> c.containsKey("find") && c.getString("find").getValue().equals("job_runs"))
            .filter(c -> c.containsKey("limit"))
            .toList();
    assertThat(batchReads).isNotEmpty();
    assertThat(batchReads)
        .allSatisfy(
            c -> assertThat(c.get("projection")).isEqualTo(BsonDocument.parse("{\"_id\": 1}")));
  }

  @Test
  void aRunAskedToRunAgainLatelyIsKeptThoughHistoryHasNotWrittenItRetryingYet() {
    // found by review: a retry by hand of a run past the retention reserves its attempt and sends
    // it; the cleanup, reading the run still failed before history wrote it retrying, deleted it,
    // and the run came back from nothing (or, with a short retention, never)
    resources.settings.jobRuns.retentionDays = 90;
    run("retried", "failed", 120, 2);
    run("asked-long-ago", "failed", 120, 1);
    run("old", "failed", 120, 1);
    MongoCollection<Document> asked = resources.database().getCollection("job_attempts_asked");
    assertThat(
            new MongoDeadLetterStore(resources.database())
                .reserveAttempt("retried", 2, "t", TestResources.NOW.minusSeconds(30)))
        .isTrue();
    asked.insertOne(
        new Document("_id", "asked-long-ago:2")
            .append("run_id", "asked-long-ago")
            .append("token", "t")
            .append("at", Date.from(TestResources.NOW.minus(Duration.ofDays(2)))));

    new RunHistoryCleanup(resources).cleanupJobRuns(new Recording("cleanup_job_runs"));

    assertThat(resources.database().getCollection("job_runs").find().map(d -> d.getString("_id")))
        .containsExactly("retried");
    assertThat(
            resources
                .database()
                .getCollection("job_run_logs")
                .find()
                .map(d -> d.getString("run_id")))
        .containsOnly("retried")
        .hasSize(2);
  }

  @Test
  void anAttemptsClaimsGoTogetherOnceAllAreOldNeverWhileALaterEpochHoldsIt() {
    // found by review: released claims (dated 1970) went one by one, also while a later epoch of
    // their attempt still held its run; with eight gone, the executor's next hand-over read no
    // claim, took epoch 1 again and ran the attempt beside its holder
    resources.settings.jobRuns.retentionDays = 90;
    MongoCollection<Document> claims = resources.database().getCollection("job_claims");
    Date released = new Date(0);
    Date longAgo = Date.from(TestResources.NOW.minus(Duration.ofDays(91)));
    for (int epoch = 1; epoch <= 8; epoch++) { // handed over eight times, the ninth holds it
      claims.insertOne(new Document("_id", "handed:1#" + epoch).append("expires_at", released));
    }
    claims.insertOne(
        new Document("_id", "handed:1#9")
            .append("expires_at", Date.from(TestResources.NOW.plusSeconds(30))));
    for (int epoch = 1; epoch <= 10; epoch++) { // the ninth lapsed lately, the others released
      claims.insertOne(
          new Document("_id", "lapsed:1#" + epoch)
              .append(
                  "expires_at",
                  epoch == 9 ? Date.from(TestResources.NOW.minus(Duration.ofDays(1))) : released));
    }
    claims.insertOne(
        new Document("_id", "released-lately:1#1")
            .append("expires_at", released)
            .append("released_at", Date.from(TestResources.NOW.minus(Duration.ofDays(1)))));
    claims.insertOne(
        new Document("_id", "released-long-ago:1#1")
            .append("expires_at", released)
            .append("released_at", longAgo));
    claims.insertOne(new Document("_id", "lately:1#1").append("expires_at", released));
    claims.insertOne(
        new Document("_id", "lately:1#done")
            .append("ended_at", Date.from(TestResources.NOW.minus(Duration.ofDays(1)))));
    claims.insertOne(new Document("_id", "over:1#1").append("expires_at", released));
    claims.insertOne(new Document("_id", "over:1#2").append("expires_at", longAgo));
    claims.insertOne(new Document("_id", "over:1#done").append("ended_at", longAgo));
    claims.insertOne(new Document("_id", "odd#9223372036854775807").append("expires_at", released));
    claims.insertOne(new Document("_id", "no-epoch").append("expires_at", released));

    Map<String, Object> result =
        new RunHistoryCleanup(resources).cleanupJobRuns(new Recording("cleanup_job_runs"));

    assertThat(result.get("deleted")).asInstanceOf(MAP).containsEntry("job_claims", 5L);
    List<String> left = claims.find().map(d -> d.getString("_id")).into(new ArrayList<>());
    assertThat(left)
        .as("every claim of an attempt a later epoch holds, or that ended lately, is kept")
        .containsExactlyInAnyOrder(
            "handed:1#1",
            "handed:1#2",
            "handed:1#3",
            "handed:1#4",
            "handed:1#5",
            "handed:1#6",
            "handed:1#7",
            "handed:1#8",
            "handed:1#9",
            "lately:1#1",
            "lately:1#done",
            "lapsed:1#1",
            "lapsed:1#2",
            "lapsed:1#3",
            "lapsed:1#4",
            "lapsed:1#5",
            "lapsed:1#6",
            "lapsed:1#7",
            "lapsed:1#8",
            "lapsed:1#9",
            "lapsed:1#10",
            "released-lately:1#1",
            "no-epoch");

    resources.now = TestResources.NOW.plus(Duration.ofDays(92)); // the ninth lapsed long ago
    new RunHistoryCleanup(resources).cleanupJobRuns(new Recording("cleanup_job_runs"));
    assertThat(claims.find().map(d -> d.getString("_id")).into(new ArrayList<>()))
        .containsExactly("no-epoch");
  }

  @Test
  void aRunRetriedAfterTheCleanupReadItKeepsItsLinesOldAndNew() {
    // found by review: the lines of the runs read went first, then the runs still old; a run
    // retried meanwhile was kept, and lost its lines, the new attempt's with them
    resources.settings.jobRuns.retentionDays = 90;
    run("retried", "failed", 100, 2);
    run("old", "failed", 100, 1);
    MongoCollection<Document> runs = resources.database().getCollection("job_runs");
    MongoCollection<Document> lines = resources.database().getCollection("job_run_logs");
    Runnable retry =
        () -> {
          runs.updateOne(Filters.eq("_id", "retried"), Updates.set("status", "retrying"));
          lines.insertOne(new Document("_id", "retried:2").append("run_id", "retried"));
        };

    Map<String, Object> result =
        new RunHistoryCleanup(resources, stage -> retryWhen(stage, "read", retry))
            .cleanupJobRuns(new Recording("cleanup_job_runs"));

    assertThat(result.get("deleted"))
        .isEqualTo(
            Map.of(
                "job_runs",
                1L,
                "job_run_logs",
                1L,
                "job_claims",
                0L,
                "job_chain_runs",
                0L,
                "job_dead_letters",
                0L,
                "job_audit",
                0L));
    assertThat(runs.find().map(d -> d.getString("_id"))).containsExactly("retried");
    assertThat(lines.find().map(d -> d.getString("_id")))
        .containsExactlyInAnyOrder("retried:0", "retried:1", "retried:2");
    assertThat(resources.database().getCollection(RunHistoryCleanup.PENDING).countDocuments())
        .isZero();
  }

  private static void retryWhen(String stage, String when, Runnable then) {
    if (stage.equals(when)) {
      then.run();
    }
  }

  @Test
  void theLinesOfRunsACleanupDeletedBeforeItStoppedGoWithALaterOne() {
    // a cleanup stopped between deleting runs and deleting their lines left lines no run led to
    resources.settings.jobRuns.retentionDays = 90;
    run("kept", "completed", 1, 1);
    run("gone", "failed", 100, 2);
    MongoCollection<Document> lines = resources.database().getCollection("job_run_logs");
    MongoCollection<Document> notes = resources.database().getCollection(RunHistoryCleanup.PENDING);
    Runnable crash =
        () -> {
          throw new IllegalStateException("stopped");
        };

    assertThatThrownBy(
            () ->
                new RunHistoryCleanup(resources, stage -> retryWhen(stage, "deleted", crash))
                    .cleanupJobRuns(new Recording("cleanup_job_runs")))
        .hasMessage("stopped");
    assertThat(resources.database().getCollection("job_runs").find().map(d -> d.getString("_id")))
        .containsExactly("kept");
    assertThat(lines.countDocuments()).isEqualTo(3);
    assertThat(notes.find().first().getList("run_ids", String.class)).containsExactly("gone");

    resources.now = TestResources.NOW.plus(Duration.ofMinutes(10));
    new RunHistoryCleanup(resources).cleanupJobRuns(new Recording("cleanup_job_runs"));
    assertThat(lines.countDocuments())
        .as("a note that young may be another cleanup's, running now")
        .isEqualTo(3);

    resources.now = TestResources.NOW.plus(RunHistoryCleanup.LEFT_AFTER).plusSeconds(1);
    Map<String, Object> result =
        new RunHistoryCleanup(resources).cleanupJobRuns(new Recording("cleanup_job_runs"));

    assertThat(result.get("deleted"))
        .isEqualTo(
            Map.of(
                "job_runs",
                0L,
                "job_run_logs",
                2L,
                "job_claims",
                0L,
                "job_chain_runs",
                0L,
                "job_dead_letters",
                0L,
                "job_audit",
                0L));
    assertThat(lines.find().map(d -> d.getString("_id"))).containsExactly("kept:0");
    assertThat(notes.countDocuments()).isZero();
  }

  @Test
  void deadLettersAndAuditEntriesOlderThanTheRetentionGo() {
    // found by review: nothing deleted either, one a refused record (at any producer's will), the
    // other an operator's write
    resources.settings.jobRuns.retentionDays = 90;
    resources.settings.batchSize = 2;
    MongoCollection<Document> letters = resources.database().getCollection("job_dead_letters");
    MongoCollection<Document> audit = resources.database().getCollection("job_audit");
    for (int days : new int[] {200, 91, 91, 89, 1}) {
      Date at = Date.from(TestResources.NOW.minus(Duration.ofDays(days)));
      letters.insertOne(
          new Document("_id", "dl-" + days + "-" + new ObjectId()).append("time", at));
      audit.insertOne(new Document("_id", new ObjectId()).append("at", at).append("days", days));
    }

    Map<String, Object> result =
        new RunHistoryCleanup(resources).cleanupJobRuns(new Recording("cleanup_job_runs"));

    assertThat(((Map<?, ?>) result.get("deleted")).get("job_dead_letters")).isEqualTo(3L);
    assertThat(((Map<?, ?>) result.get("deleted")).get("job_audit")).isEqualTo(3L);
    assertThat(letters.find().map(d -> d.getString("_id").split("-")[1]))
        .containsExactlyInAnyOrder("89", "1");
    assertThat(audit.find().map(d -> d.getInteger("days"))).containsExactlyInAnyOrder(89, 1);
  }

  @Test
  void aRunRequestedLongAgoThatEndedRecentlyIsKept() {
    // found by review: a 91-day-old run redriven today was deleted at the next cleanup
    resources.settings.jobRuns.retentionDays = 90;
    MongoCollection<Document> runs = resources.database().getCollection("job_runs");
    runs.insertOne(
        new Document("_id", "redriven")
            .append("status", "completed")
            .append("requested_at", Date.from(TestResources.NOW.minus(Duration.ofDays(91))))
            .append("completed_at", Date.from(TestResources.NOW.minus(Duration.ofHours(2)))));
    runs.insertOne(
        new Document("_id", "ended-long-ago")
            .append("status", "failed")
            .append("requested_at", Date.from(TestResources.NOW.minus(Duration.ofDays(93))))
            .append("completed_at", Date.from(TestResources.NOW.minus(Duration.ofDays(92)))));

    new RunHistoryCleanup(resources).cleanupJobRuns(new Recording("cleanup_job_runs"));

    assertThat(runs.find().map(d -> d.getString("_id"))).containsExactly("redriven");
  }

  @Test
  void endedChainRunsOlderThanTheRetentionGo() {
    // found by review: kept for good, growing with every chain run
    resources.settings.jobRuns.retentionDays = 90;
    MongoCollection<Document> chains = resources.database().getCollection("job_chain_runs");
    chains.insertOne(chainRun("old-completed", "completed", 100, 99));
    chains.insertOne(chainRun("old-failed", "failed", 95, null));
    chains.insertOne(chainRun("old-but-running", "running", 120, null));
    chains.insertOne(chainRun("requested-long-ago-ended-lately", "cancelled", 100, 2));
    chains.insertOne(chainRun("recent", "completed", 10, 10));

    Map<String, Object> result =
        new RunHistoryCleanup(resources).cleanupJobRuns(new Recording("cleanup_job_runs"));

    assertThat(result.get("deleted")).asInstanceOf(MAP).containsEntry("job_chain_runs", 2L);
    assertThat(chains.find().map(d -> d.getString("_id")))
        .containsExactlyInAnyOrder("old-but-running", "requested-long-ago-ended-lately", "recent");
  }

  private static Document chainRun(
      String id, String status, int requestedDaysAgo, Integer endedDaysAgo) {
    Document d =
        new Document("_id", id)
            .append("status", status)
            .append(
                "requested_at",
                Date.from(TestResources.NOW.minus(Duration.ofDays(requestedDaysAgo))));
    if (endedDaysAgo != null) {
      d.append("ended_at", Date.from(TestResources.NOW.minus(Duration.ofDays(endedDaysAgo))));
    }
    return d;
  }

  @Test
  void anEndedRunRequestedInTheFutureIsJudgedByWhenItEnded() {
    // found by review: a producer's clock ahead wrote requested_at in 2099, and the run was never
    // deleted
    resources.settings.jobRuns.retentionDays = 90;
    Date future = Date.from(Instant.parse("2099-01-01T00:00:00Z"));
    Date longAgo = Date.from(TestResources.NOW.minus(Duration.ofDays(100)));
    Date lately = Date.from(TestResources.NOW.minus(Duration.ofDays(1)));
    MongoCollection<Document> runs = resources.database().getCollection("job_runs");
    runs.insertOne(
        new Document("_id", "ended-long-ago")
            .append("status", "completed")
            .append("requested_at", future)
            .append("completed_at", longAgo)
            .append("materialized_at", longAgo));
    runs.insertOne(
        new Document("_id", "ended-lately")
            .append("status", "completed")
            .append("requested_at", future)
            .append("completed_at", lately)
            .append("materialized_at", lately));
    runs.insertOne(
        new Document("_id", "written-long-ago")
            .append("status", "missed")
            .append("requested_at", future)
            .append("materialized_at", longAgo));
    MongoCollection<Document> chains = resources.database().getCollection("job_chain_runs");
    chains.insertOne(
        new Document("_id", "chain-ended-long-ago")
            .append("status", "completed")
            .append("requested_at", future)
            .append("ended_at", longAgo));
    chains.insertOne(
        new Document("_id", "chain-ended-lately")
            .append("status", "completed")
            .append("requested_at", future)
            .append("ended_at", lately));

    new RunHistoryCleanup(resources).cleanupJobRuns(new Recording("cleanup_job_runs"));

    assertThat(runs.find().map(d -> d.getString("_id"))).containsExactly("ended-lately");
    assertThat(chains.find().map(d -> d.getString("_id"))).containsExactly("chain-ended-lately");
  }

  @Test
  void aBatchOfTheLongestRunIdsIsDeletedInPartsEachWithinWhatACommandHolds() {
    // found by review: batchSize takes up to 100,000, and a batch's run ids went into one $in and
    // one note; with ids of 512 characters that is over the 16 MB a command or document may be,
    // and the cleanup failed on every run. (Ids of three-byte characters: fewer runs to make.)
    resources.settings.jobRuns.retentionDays = 90;
    resources.settings.batchSize = 100_000;
    String longest = "\u20ac".repeat(WireLimits.MAX_ID_CHARS - 6);
    int count = 11_000; // (11,000 x 1.5 KB: over 16 MB)
    MongoCollection<Document> runs = resources.database().getCollection("job_runs");
    Date old = Date.from(TestResources.NOW.minus(Duration.ofDays(91)));
    List<Document> some = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      some.add(
          new Document("_id", String.format("%06d", i) + longest)
              .append("status", "completed")
              .append("requested_at", old));
      if (some.size() == 1_000) {
        runs.insertMany(some);
        some.clear();
      }
    }
    run("recent", "completed", 1, 0);
    MongoCollection<Document> lines = resources.database().getCollection("job_run_logs");
    lines.insertOne(new Document("_id", "first:0").append("run_id", "000000" + longest));
    lines.insertOne(
        new Document("_id", "last:0").append("run_id", String.format("%06d", count - 1) + longest));

    Map<String, Object> result =
        new RunHistoryCleanup(resources).cleanupJobRuns(new Recording("cleanup_job_runs"));

    assertThat(result.get("deleted"))
        .asInstanceOf(MAP)
        .containsEntry("job_runs", (long) count)
        .containsEntry("job_run_logs", 2L);
    assertThat(runs.find().map(d -> d.getString("_id"))).containsExactly("recent");
    assertThat(resources.database().getCollection(RunHistoryCleanup.PENDING).countDocuments())
        .isZero();
  }
}
