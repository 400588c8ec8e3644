package io.jobline.scheduler.chain;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.chain.Chain;
import io.jobline.chain.ChainLauncher;
import io.jobline.chain.ChainRun;
import io.jobline.chain.ChainStatus;
import io.jobline.chain.ChainStep;
import io.jobline.run.RunStatus;
import io.jobline.schedule.Schedule;
import io.jobline.schedule.Triggers;
import io.jobline.scheduler.Scheduler;
import io.jobline.scheduler.SchedulerSettings;
import io.jobline.scheduler.lease.InMemoryLeaseStore;
import io.jobline.store.ChainAwareRuns;
import io.jobline.store.ChainStore;
import io.jobline.store.InMemoryChainRunStore;
import io.jobline.store.InMemoryChainStore;
import io.jobline.store.InMemoryRunStore;
import io.jobline.store.InMemoryScheduleStore;
import io.jobline.store.InMemoryTimerStore;
import io.jobline.testkit.SettableClock;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunId;
import io.jobline.wire.TriggerType;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Schedules that start chains: a chain as the target, and a job followed by {@code chain: [jobs]}.
 */
class ScheduledChainsTest {
  private static final Instant T0 = Instant.parse("2026-03-04T10:07:20Z");
  private static final Instant FIRE = Instant.parse("2026-03-04T10:08:00Z");
  private final SettableClock clock = new SettableClock(T0);
  private final InMemoryScheduleStore schedules = new InMemoryScheduleStore();
  private final InMemoryChainStore chains = new InMemoryChainStore();
  private final InMemoryChainRunStore chainRuns = new InMemoryChainRunStore();
  private final InMemoryRunStore runs = new InMemoryRunStore(clock);
  private final InMemoryTimerStore timers = new InMemoryTimerStore();
  private final InMemoryLeaseStore leases = new InMemoryLeaseStore();
  private final Fleet fleet = new Fleet(runs);
  private final ChainOrchestrator orchestrator =
      new ChainOrchestrator(
          new ChainOrchestrator.Parts(chainRuns, runs, timers, leases, fleet, fleet::cancel),
          Duration.ofMillis(100),
          Duration.ofSeconds(15),
          "o",
          clock);
  private final Scheduler scheduler = scheduler();

  private Scheduler scheduler() {
    SchedulerSettings settings = new SchedulerSettings();
    settings.schedulerId = "s";
    ChainLauncher launcher = new ChainLauncher(chains, chainRuns, clock, () -> {});
    return new Scheduler(
        schedules,
        timers,
        leases,
        new ChainAwareRuns(runs, chainRuns),
        new ChainEmitter(fleet, launcher),
        settings,
        clock);
  }

  private void save(String json) throws Exception {
    Schedule s = Json.mapper().readValue(json, Schedule.class);
    schedules.save(s.withNextRunAt(Triggers.nextAfter(s, clock.instant()).orElseThrow()));
  }

  private void fireAt(Instant t) {
    clock.set(t);
    scheduler.cycle();
  }

  @Test
  void aScheduleWhoseTargetIsAChainStartsAChainRunWithTheFiresDerivedId() throws Exception {
    chains.save(
        Chain.linear("close", "", List.of("settlement", "reporting")), ChainStore.Source.API);
    save(
        "{\"job_name\":\"nightly-close\",\"job_type\":\"close\",\"cron_expression\":\"*/1 * * * *\","
            + "\"tenant_id\":\"t1\",\"parameters\":{\"period\":\"2026-03\"}}");

    fireAt(FIRE.plusMillis(5));

    String id = RunId.forSchedule("nightly-close", FIRE).value();
    ChainRun run = chainRuns.find(id).orElseThrow();
    assertThat(run.chainName()).isEqualTo("close");
    assertThat(run.tenantId()).isEqualTo("t1");
    assertThat(run.params().path("period").asText()).isEqualTo("2026-03");
    assertThat(run.trigger().type()).isEqualTo(TriggerType.SCHEDULE);
    assertThat(fleet.requests).isEmpty();

    orchestrator.tick();
    assertThat(fleet.requests).extracting(JobRequest::jobName).containsExactly("settlement");
    assertThat(fleet.requests.get(0).params().path("period").asText()).isEqualTo("2026-03");
  }

  @Test
  void aScheduleWithFollowUpJobsRunsThemAfterItsJobSucceeds() throws Exception {
    save(
        "{\"job_name\":\"settle-then-report\",\"job_type\":\"settlement\",\"cron_expression\":\"*/1 * * * *\","
            + "\"chain\":[\"invoicing\",\"reporting\"]}");

    fireAt(FIRE.plusMillis(5));
    orchestrator.tick();
    assertThat(fleet.requests).extracting(JobRequest::jobName).containsExactly("settlement");
    fleet.end("settlement", RunStatus.COMPLETED);
    orchestrator.tick();
    fleet.end("invoicing", RunStatus.COMPLETED);
    orchestrator.tick();
    fleet.end("reporting", RunStatus.COMPLETED);
    orchestrator.tick();

    assertThat(fleet.requests)
        .extracting(JobRequest::jobName)
        .containsExactly("settlement", "invoicing", "reporting");
    ChainRun run =
        chainRuns.find(RunId.forSchedule("settle-then-report", FIRE).value()).orElseThrow();
    assertThat(run.status()).isEqualTo(ChainStatus.COMPLETED);
  }

  @Test
  void aFailedScheduledJobDoesNotRunItsFollowUps() throws Exception {
    save(
        "{\"job_name\":\"settle-then-report\",\"job_type\":\"settlement\",\"cron_expression\":\"*/1 * * * *\","
            + "\"chain\":[\"reporting\"]}");

    fireAt(FIRE.plusMillis(5));
    orchestrator.tick();
    fleet.end("settlement", RunStatus.FAILED);
    orchestrator.tick();

    assertThat(fleet.requests).extracting(JobRequest::jobName).containsExactly("settlement");
    ChainRun run =
        chainRuns.find(RunId.forSchedule("settle-then-report", FIRE).value()).orElseThrow();
    assertThat(run.status()).isEqualTo(ChainStatus.FAILED);
    assertThat(run.step("reporting").orElseThrow().status().wire()).isEqualTo("skipped");
  }

  @Test
  void aChainRunStillGoingCountsAsTheScheduleRunningForItsOverlapPolicy() throws Exception {
    chains.save(Chain.chain("slow", "", ChainStep.step("gate")), ChainStore.Source.API);
    save(
        "{\"job_name\":\"slow-every-minute\",\"job_type\":\"slow\",\"cron_expression\":\"*/1 * * * *\"}");

    fireAt(FIRE.plusMillis(5));
    orchestrator.tick();
    fireAt(FIRE.plusSeconds(60).plusMillis(5));
    assertThat(chainRuns.find(RunId.forSchedule("slow-every-minute", FIRE.plusSeconds(60)).value()))
        .isEmpty();

    fleet.end("gate", RunStatus.COMPLETED);
    orchestrator.tick();
    fireAt(FIRE.plusSeconds(120).plusMillis(5));
    assertThat(
            chainRuns.find(RunId.forSchedule("slow-every-minute", FIRE.plusSeconds(120)).value()))
        .isPresent();
  }

  @Test
  void aPlainScheduleStillSendsItsRequest() throws Exception {
    save("{\"job_name\":\"hb\",\"job_type\":\"noop\",\"cron_expression\":\"*/1 * * * *\"}");

    fireAt(FIRE.plusMillis(5));

    assertThat(fleet.requests)
        .extracting(JobRequest::runId)
        .containsExactly(RunId.forSchedule("hb", FIRE));
    assertThat(chainRuns.active()).isEmpty();
  }
}
