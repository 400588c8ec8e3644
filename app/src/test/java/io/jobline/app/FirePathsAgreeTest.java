package io.jobline.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.api.ScheduleCheck;
import io.jobline.chain.Chain;
import io.jobline.chain.ChainRun;
import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import io.jobline.schedule.Schedule;
import io.jobline.scheduler.Emitter;
import io.jobline.scheduler.Scheduler;
import io.jobline.scheduler.SchedulerSettings;
import io.jobline.scheduler.lease.InMemoryLeaseStore;
import io.jobline.store.ChainAwareRuns;
import io.jobline.store.InMemoryChainRunStore;
import io.jobline.store.InMemoryRunStore;
import io.jobline.store.InMemoryScheduleStore;
import io.jobline.store.InMemoryTimerStore;
import io.jobline.testkit.TestRuns;
import io.jobline.topic.PreparedRequest;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;
import io.jobline.wire.RunId;
import io.jobline.wire.Trigger;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One table of fire cases, played through the scheduler's cycle and through {@code POST
 * /jobs/check-schedules}'s: both must request the same runs, record the same missed fire times and
 * write the same back to the schedule — and what they do is what the table expects.
 */
class FirePathsAgreeTest {
  private static final Instant NEXT = Instant.parse("2026-03-04T10:08:00Z");

  /** What the schedule's last run looks like to the fire. */
  enum Last {
    NONE,
    RUNNING,
    COMPLETED,
    REQUESTED_MOMENTS_AGO_NOT_IN_HISTORY,
    REQUESTED_LONG_AGO_NOT_IN_HISTORY,
    CHAIN_RUNNING
  }

  /** What a fire did, as both paths report it. */
  record Outcome(
      List<String> runs,
      List<String> missed,
      String lastRunStatus,
      Instant lastRunAt,
      Instant nextRunAt) {}

  static Stream<Arguments> cases() {
    String cron = "\"cron_expression\":\"*/1 * * * *\",\"timezone\":\"UTC\"";
    return Stream.of(
        Arguments.of("on time", cron, Last.NONE, "10:08:00.010", 1, 0, "queued"),
        Arguments.of(
            "after downtime, run_once coalesces", cron, Last.NONE, "10:30:10", 1, 0, "queued"),
        Arguments.of(
            "after downtime, skip misses the late ones and runs the one in grace",
            cron + ",\"misfire_policy\":\"skip\"",
            Last.NONE,
            "10:30:10",
            1,
            22,
            "queued"),
        Arguments.of(
            "after downtime past every grace, skip runs none",
            cron + ",\"misfire_policy\":\"skip\"," + "\"misfire_grace_seconds\":5",
            Last.NONE,
            "10:30:10",
            0,
            23,
            "missed"),
        Arguments.of(
            "after downtime, run_all up to its cap",
            cron + ",\"misfire_policy\":\"run_all\",\"misfire_max_runs\":3",
            Last.NONE,
            "10:30:10",
            3,
            20,
            "queued"),
        Arguments.of(
            "overlap skip while the last run goes",
            cron,
            Last.RUNNING,
            "10:08:00.010",
            0,
            1,
            "missed"),
        Arguments.of(
            "overlap skip after the last run ended",
            cron,
            Last.COMPLETED,
            "10:08:00.010",
            1,
            0,
            "queued"),
        Arguments.of(
            "overlap queue waits, changing nothing",
            cron + ",\"overlap\":\"queue\"",
            Last.RUNNING,
            "10:08:00.010",
            0,
            0,
            "queued"),
        Arguments.of(
            "overlap allow fires anyway",
            cron + ",\"overlap\":\"allow\"",
            Last.RUNNING,
            "10:08:00.010",
            1,
            0,
            "queued"),
        Arguments.of(
            "a run requested moments ago counts as going",
            cron,
            Last.REQUESTED_MOMENTS_AGO_NOT_IN_HISTORY,
            "10:08:00.010",
            0,
            1,
            "missed"),
        Arguments.of(
            "a run requested long ago and never seen does not",
            cron,
            Last.REQUESTED_LONG_AGO_NOT_IN_HISTORY,
            "10:08:00.010",
            1,
            0,
            "queued"),
        Arguments.of(
            "a chain run still going counts as the last run",
            cron,
            Last.CHAIN_RUNNING,
            "10:08:00.010",
            0,
            1,
            "missed"),
        Arguments.of(
            "an interval schedule",
            "\"trigger_type\":\"interval\",\"interval_seconds\":60,\"run_at\":\"2026-03-04T10:07:00Z\"",
            Last.NONE,
            "10:08:00.010",
            1,
            0,
            "queued"),
        Arguments.of(
            "a one-off",
            "\"trigger_type\":\"once\",\"run_at\":\"2026-03-04T10:08:00Z\"",
            Last.NONE,
            "10:08:00.010",
            1,
            0,
            "queued"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void theSchedulerAndCheckSchedulesAgree(
      String name, String trigger, Last last, String at, int runs, int missed, String status) {
    Instant now = Instant.parse("2026-03-04T" + at + (at.contains(".") ? "" : ".000") + "Z");
    Outcome byScheduler = new World(trigger, last, now).byScheduler();
    Outcome byCheck = new World(trigger, last, now).byCheck();

    assertThat(byCheck).isEqualTo(byScheduler);
    assertThat(byScheduler.runs()).hasSize(runs);
    assertThat(byScheduler.missed()).hasSize(missed);
    assertThat(byScheduler.lastRunStatus()).isEqualTo(status);
  }

  /** One schedule and its last run, in fresh in-memory stores. */
  private static final class World {
    final InMemoryScheduleStore schedules = new InMemoryScheduleStore();
    final Clock clock;
    final InMemoryRunStore runs;
    final InMemoryChainRunStore chainRuns = new InMemoryChainRunStore();
    final List<String> requested = new ArrayList<>();
    final List<String> missed = new ArrayList<>();

    World(String trigger, Last last, Instant now) {
      clock = Clock.fixed(now, ZoneOffset.UTC);
      runs = new InMemoryRunStore(clock);
      String lastRun =
          switch (last) {
            case NONE -> "";
            case REQUESTED_LONG_AGO_NOT_IN_HISTORY ->
                ",\"last_run_id\":\"previous\",\"last_run_status\":\"queued\","
                    + "\"last_run_at\":\""
                    + now.minusSeconds(600)
                    + "\"";
            default ->
                ",\"last_run_id\":\"previous\",\"last_run_status\":\"queued\",\"last_run_at\":\""
                    + now.minusSeconds(30)
                    + "\"";
          };
      schedules.save(
          schedule(
              "{\"job_name\":\"s\",\"job_type\":\"noop\","
                  + trigger
                  + ",\"next_run_at\":\""
                  + NEXT
                  + "\""
                  + lastRun
                  + "}"));
      switch (last) {
        case RUNNING -> runs.upsertAll(List.of(run(RunStatus.RUNNING)));
        case COMPLETED -> runs.upsertAll(List.of(run(RunStatus.COMPLETED)));
        case CHAIN_RUNNING ->
            chainRuns.create(
                ChainRun.start(
                    "previous",
                    Chain.linear("s", "", List.of("noop")),
                    null,
                    Json.object(),
                    Trigger.schedule("s", NEXT.minusSeconds(60)),
                    now.minusSeconds(30),
                    "scheduler"));
        default -> {}
      }
    }

    Outcome byScheduler() {
      SchedulerSettings settings = new SchedulerSettings();
      settings.schedulerId = "agreement";
      Emitter emitter =
          new Emitter() {
            @Override
            public CompletableFuture<?> send(PreparedRequest request) {
              requested.add(describe(request.request()));
              return CompletableFuture.completedFuture(null);
            }

            @Override
            public CompletableFuture<?> missed(RunEvent event) {
              missed.add(event.runId().value() + " " + event.payload().path("reason").asText());
              return CompletableFuture.completedFuture(null);
            }
          };
      new Scheduler(
              schedules,
              new InMemoryTimerStore(),
              new InMemoryLeaseStore(),
              new ChainAwareRuns(runs, chainRuns),
              emitter,
              settings,
              clock)
          .cycle();
      return outcome();
    }

    Outcome byCheck() {
      new ScheduleCheck(
              schedules,
              new ChainAwareRuns(runs, chainRuns),
              new ScheduleCheck.Output() {
                @Override
                public void request(Schedule s, JobRequest request) {
                  requested.add(describe(request));
                }

                @Override
                public void missed(RunEvent event) {
                  missed.add(event.runId().value() + " " + event.payload().path("reason").asText());
                }
              },
              clock)
          .run();
      return outcome();
    }

    private Outcome outcome() {
      Schedule after = schedules.find("s").orElseThrow();
      return new Outcome(
          requested,
          missed,
          after.lastRunStatus() == null ? null : after.lastRunStatus().wire(),
          after.lastRunAt(),
          after.nextRunAt());
    }

    private static String describe(JobRequest r) {
      return r.runId().value()
          + " "
          + r.trigger().nominalTime()
          + " x"
          + (r.trigger().coalesced() == null ? 1 : r.trigger().coalesced());
    }

    private static RunRecord run(RunStatus status) {
      return TestRuns.run(RunId.of("previous"), "noop", null, status);
    }

    private static Schedule schedule(String json) {
      try {
        return Json.mapper().readValue(json, Schedule.class);
      } catch (Exception e) {
        throw new IllegalArgumentException(json, e);
      }
    }
  }
}
