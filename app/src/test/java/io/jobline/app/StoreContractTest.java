package io.jobline.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import io.jobline.embedded.EmbeddedMongo;
import io.jobline.run.LogEntry;
import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import io.jobline.schedule.Schedule;
import io.jobline.store.InMemoryRunLogStore;
import io.jobline.store.InMemoryRunStore;
import io.jobline.store.InMemoryScheduleStore;
import io.jobline.store.InMemoryTimerStore;
import io.jobline.store.MongoRunLogStore;
import io.jobline.store.MongoRunStore;
import io.jobline.store.MongoScheduleStore;
import io.jobline.store.MongoTimerStore;
import io.jobline.store.RunLogStore;
import io.jobline.store.RunStore;
import io.jobline.store.RunStore.RunQuery;
import io.jobline.store.ScheduleStore;
import io.jobline.store.TimerStore;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunId;
import io.jobline.wire.Trigger;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * One contract per store, run against its in-memory twin (what logic tests use) and its Mongo
 * implementation (what runs): the twins must agree, or a logic test proves nothing about
 * production.
 */
class StoreContractTest {
  private static final Instant T0 = Instant.parse("2026-12-02T04:00:00Z");
  private static final Clock CLOCK = Clock.fixed(T0, ZoneOffset.UTC);
  private static EmbeddedMongo server;
  private static MongoClient client;

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

  /** A database of its own for each store under test. */
  private static MongoDatabase freshDatabase() {
    return client.getDatabase("contract_" + UUID.randomUUID().toString().substring(0, 8));
  }

  abstract static class RunStoreContract {
    abstract RunStore store();

    static RunRecord run(
        String id, String job, String tenant, RunStatus status, Instant requestedAt) {
      return new RunRecord(
          id,
          job,
          tenant,
          Json.object().put("n", 1),
          Trigger.manual(),
          status,
          1,
          1,
          "executor-1",
          requestedAt,
          status == RunStatus.QUEUED ? null : requestedAt.plusSeconds(1),
          status.isTerminal() ? requestedAt.plusSeconds(3) : null,
          null,
          null,
          null,
          null,
          List.of(),
          false,
          List.of(),
          null,
          null);
    }

    @Test
    void aRunWrittenTwiceIsFoundOnceAsWrittenLast() {
      RunStore s = store();
      s.upsertAll(List.of(run("r1", "job", "t1", RunStatus.RUNNING, T0)));
      s.upsertAll(List.of(run("r1", "job", "t1", RunStatus.COMPLETED, T0)));
      RunRecord found = s.find("r1").orElseThrow();
      assertThat(found.status()).isEqualTo(RunStatus.COMPLETED);
      assertThat(found.completedAt()).isEqualTo(T0.plusSeconds(3));
      assertThat(found.params().path("n").asInt()).isEqualTo(1);
      assertThat(s.count()).isEqualTo(1);
      assertThat(s.find("nope")).isEmpty();
    }

    @Test
    void statusesAnswerForTheRunsKnownOnly() {
      RunStore s = store();
      s.upsertAll(
          List.of(
              run("a", "job", "t1", RunStatus.FAILED, T0),
              run("b", "job", "t1", RunStatus.RUNNING, T0)));
      assertThat(s.statuses(List.of("a", "b", "c")))
          .isEqualTo(Map.of("a", RunStatus.FAILED, "b", RunStatus.RUNNING));
      assertThat(s.countByStatus(RunStatus.FAILED)).isEqualTo(1);
    }

    @Test
    void pagesListNewestFirstFilteredAndFollowTheirCursorWithoutGapsOrRepeats() {
      RunStore s = store();
      List<RunRecord> all = new ArrayList<>();
      for (int i = 0; i < 7; i++) {
        all.add(
            run(
                "p" + i,
                i % 2 == 0 ? "even" : "odd",
                "t-page",
                RunStatus.COMPLETED,
                T0.plusSeconds(i)));
      }
      all.add(run("same-time", "even", "t-page", RunStatus.COMPLETED, T0.plusSeconds(4)));
      s.upsertAll(all);

      List<String> seen = new ArrayList<>();
      RunStore.Cursor after = null;
      for (int page = 0; page < 10; page++) {
        List<RunRecord> got =
            s.list(new RunQuery(null, "t-page", null, null, null, null, null, false, after, 3));
        got.forEach(r -> seen.add(r.runId()));
        if (got.size() < 3) {
          break;
        }
        RunRecord last = got.get(got.size() - 1);
        after = new RunStore.Cursor(last.requestedAt(), last.runId());
      }
      assertThat(seen).hasSize(8).doesNotHaveDuplicates();
      assertThat(seen.get(0)).isEqualTo("p6");
      assertThat(seen.get(seen.size() - 1)).isEqualTo("p0");

      List<RunRecord> odd =
          s.list(new RunQuery("odd", null, null, null, null, null, null, true, null, 10));
      assertThat(odd).extracting(RunRecord::runId).containsExactly("p1", "p3", "p5");
      assertThat(
              s.list(
                  new RunQuery(
                      null, null, RunStatus.FAILED, null, null, null, null, false, null, 10)))
          .isEmpty();
    }

    @Test
    void retentionDeletesWhatWasRequestedBeforeTheCutoffAndSaysHowMany() {
      RunStore s = store();
      s.upsertAll(
          List.of(
              run("old1", "job", "t", RunStatus.COMPLETED, T0.minusSeconds(100)),
              run("old2", "job", "t", RunStatus.FAILED, T0.minusSeconds(50)),
              run("new", "job", "t", RunStatus.COMPLETED, T0)));
      assertThat(s.deleteRequestedBefore(T0.minusSeconds(10))).isEqualTo(2);
      assertThat(s.find("old1")).isEmpty();
      assertThat(s.find("new")).isPresent();
      assertThat(s.since("job", "t", T0.minusSeconds(1000)))
          .extracting(RunRecord::runId)
          .containsExactly("new");
    }
  }

  @Nested
  class InMemoryRunStoreAgrees extends RunStoreContract {
    @Override
    RunStore store() {
      return new InMemoryRunStore(CLOCK);
    }
  }

  @Nested
  class MongoRunStoreAgrees extends RunStoreContract {
    @Override
    RunStore store() {
      return new MongoRunStore(freshDatabase(), CLOCK).ensureIndexes();
    }
  }

  abstract static class TimerStoreContract {
    abstract TimerStore store();

    static TimerStore.Timer timer(String id, Instant due) {
      JobRequest r =
          JobRequest.of(
              RunId.random(), "job", Json.object(), "t", null, null, Trigger.manual(), T0, "test");
      return new TimerStore.Timer(id, due, "retry", r);
    }

    @Test
    void dueTimersComeEarliestFirstUpToTheLimitAndADeletedOneNoMore() {
      TimerStore s = store();
      s.set(timer("late", T0.plusSeconds(30)));
      s.set(timer("b", T0.minusSeconds(5)));
      s.set(timer("a", T0.minusSeconds(10)));
      s.set(timer("c", T0));
      assertThat(s.due(T0, 10)).extracting(TimerStore.Timer::id).containsExactly("a", "b", "c");
      assertThat(s.due(T0, 2)).extracting(TimerStore.Timer::id).containsExactly("a", "b");
      assertThat(s.earliest()).contains(T0.minusSeconds(10));
      s.delete("a");
      assertThat(s.due(T0, 10)).extracting(TimerStore.Timer::id).containsExactly("b", "c");
      assertThat(s.due(T0, 10).get(0).request().jobName()).isEqualTo("job");
    }

    @Test
    void aTimerSetAgainUnderItsIdMovesRatherThanDoubles() {
      TimerStore s = store();
      s.set(timer("x", T0.minusSeconds(10)));
      s.set(timer("x", T0.plusSeconds(10)));
      assertThat(s.due(T0, 10)).isEmpty();
      assertThat(s.earliest()).contains(T0.plusSeconds(10));
    }
  }

  @Nested
  class InMemoryTimerStoreAgrees extends TimerStoreContract {
    @Override
    TimerStore store() {
      return new InMemoryTimerStore();
    }
  }

  @Nested
  class MongoTimerStoreAgrees extends TimerStoreContract {
    @Override
    TimerStore store() {
      return new MongoTimerStore(freshDatabase()).ensureIndexes();
    }
  }

  abstract static class RunLogStoreContract {
    abstract RunLogStore store();

    static RunLogStore.Line line(String run, int i) {
      return new RunLogStore.Line(
          run, i, new LogEntry(T0.plusSeconds(i), "info", "line " + i, i), false);
    }

    @Test
    void pagesComeInTheOrderTheLinesWereLoggedFromTheOffsetAskedAndRewritingALineKeepsOneCopy() {
      RunLogStore s = store();
      List<RunLogStore.Line> lines = new ArrayList<>();
      for (int i = 12; i >= 0; i--) {
        lines.add(line("run-a", i));
      }
      lines.add(line("run-ab", 0)); // a run whose id starts like the other's
      s.putAll(lines);
      s.putAll(List.of(line("run-a", 3)));
      assertThat(s.count("run-a")).isEqualTo(13);
      assertThat(s.page("run-a", 0, 5))
          .extracting(RunLogStore.Line::index)
          .containsExactly(0, 1, 2, 3, 4);
      assertThat(s.page("run-a", 9, 100))
          .extracting(RunLogStore.Line::index)
          .containsExactly(9, 10, 11, 12);
      assertThat(s.page("run-a", 2, 1).get(0).entry()).isEqualTo(line("run-a", 2).entry());
      assertThat(s.page("run-ab", 0, 10)).hasSize(1);
      assertThat(s.count("nobody")).isZero();
    }
  }

  @Nested
  class InMemoryRunLogStoreAgrees extends RunLogStoreContract {
    @Override
    RunLogStore store() {
      return new InMemoryRunLogStore();
    }
  }

  @Nested
  class MongoRunLogStoreAgrees extends RunLogStoreContract {
    @Override
    RunLogStore store() {
      return new MongoRunLogStore(freshDatabase()).ensureIndexes();
    }
  }

  abstract static class ScheduleStoreContract {
    abstract ScheduleStore store();

    static Schedule schedule(String name, boolean enabled) {
      try {
        Schedule s =
            Json.mapper()
                .readValue(
                    "{\"job_name\":\""
                        + name
                        + "\",\"job_type\":\"noop\",\"cron_expression\":\"*/5 * * * *\","
                        + "\"timezone\":\"Europe/Paris\",\"tenant_id\":\"t1\",\"is_enabled\":"
                        + enabled
                        + "}",
                    Schedule.class);
        return s.withNextRunAt(T0.plusSeconds(300));
      } catch (Exception e) {
        throw new IllegalArgumentException(e);
      }
    }

    @Test
    void aSavedScheduleIsFoundWithAGrowingVersionAndADeletedOneIsGone() {
      ScheduleStore s = store();
      s.save(schedule("a", true));
      long first = s.find("a").orElseThrow().version();
      s.save(schedule("a", true));
      s.save(schedule("off", false));
      assertThat(s.find("a").orElseThrow().version()).isGreaterThan(first);
      assertThat(s.find("a").orElseThrow().cronExpression()).isEqualTo("*/5 * * * *");
      assertThat(s.findAll()).extracting(Schedule::jobName).containsExactlyInAnyOrder("a", "off");
      assertThat(s.findEnabled()).extracting(Schedule::jobName).containsExactly("a");
      assertThat(s.delete("a")).isTrue();
      assertThat(s.delete("a")).isFalse();
      assertThat(s.find("a")).isEmpty();
    }

    @Test
    void changesSinceAVersionNameWhatWasSavedAndWhatWasDeletedAfterIt() {
      ScheduleStore s = store();
      s.save(schedule("a", true));
      long mark = s.watermark().settled();
      s.save(schedule("b", true));
      s.delete("a");
      List<ScheduleStore.Change> changes = s.changesSince(mark);
      assertThat(changes)
          .extracting(ScheduleStore.Change::jobName, c -> c.schedule() == null)
          .containsExactlyInAnyOrder(tuple("b", false), tuple("a", true));
      assertThat(s.watermark().settled())
          .isGreaterThanOrEqualTo(
              changes.stream().mapToLong(ScheduleStore.Change::version).max().orElseThrow());
      assertThat(s.changesSince(s.watermark().settled())).isEmpty();
    }

    @Test
    void recordedFiresTouchOnlyTheFireFieldsAndSkipASchedulesNoLongerThere() {
      ScheduleStore s = store();
      s.save(schedule("a", true));
      s.recordFires(
          List.of(
              new ScheduleStore.Fire("a", T0, "run-1", RunStatus.QUEUED, T0.plusSeconds(600)),
              new ScheduleStore.Fire("gone", T0, "run-2", RunStatus.QUEUED, T0.plusSeconds(600))));
      Schedule a = s.find("a").orElseThrow();
      assertThat(a.lastRunId()).isEqualTo("run-1");
      assertThat(a.lastRunStatus()).isEqualTo(RunStatus.QUEUED);
      assertThat(a.nextRunAt()).isEqualTo(T0.plusSeconds(600));
      assertThat(a.timezone()).isEqualTo("Europe/Paris");
      assertThat(s.find("gone")).isEmpty();
    }
  }

  @Nested
  class InMemoryScheduleStoreAgrees extends ScheduleStoreContract {
    @Override
    ScheduleStore store() {
      return new InMemoryScheduleStore();
    }
  }

  @Nested
  class MongoScheduleStoreAgrees extends ScheduleStoreContract {
    @Override
    ScheduleStore store() {
      return new MongoScheduleStore(freshDatabase(), CLOCK).ensureIndexes();
    }
  }
}
