package io.jobline.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import io.jobline.app.testjobs.ChainTestJobs;
import io.jobline.scheduler.Emitter;
import io.jobline.scheduler.chain.ChainOrchestrator;
import io.jobline.scheduler.lease.MongoLeaseStore;
import io.jobline.store.MongoChainRunStore;
import io.jobline.store.MongoRunStore;
import io.jobline.store.MongoTimerStore;
import io.jobline.topic.ControlProducer;
import io.jobline.topic.PreparedRequest;
import io.jobline.topic.RequestProducer;
import io.jobline.wire.Control;
import io.jobline.wire.RunEvent;
import io.jobline.wire.RunId;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The orchestrator stopped between two steps and a fresh one started on the same stores: the chain
 * completes and each step's job ran exactly once. The standalone runs every role but the scheduler,
 * so the test owns the only orchestrators.
 */
class ChainRestartTest {

  @Test
  void anOrchestratorStoppedBetweenTwoStepsIsReplacedAndEachStepRunsExactlyOnce() throws Exception {
    try (Standalone s =
            Standalone.start(
                Standalone.Options.ephemeral(null)
                    .withRoles(EnumSet.of(Role.API, Role.EXECUTOR, Role.HISTORY))
                    .withTweak(
                        c -> {
                          c.jobs.packages =
                              List.of("io.jobline.examples", "io.jobline.app.testjobs");
                          c.auth.devToken = Http.TEST_TOKEN;
                        }));
        MongoClient client = MongoClients.create(s.mongoUri());
        RequestProducer requests = new RequestProducer(s.config().kafka, "test-chain-requests");
        ControlProducer controls = new ControlProducer(s.config().kafka)) {
      Http http = new Http(s.apiUrl());
      MongoDatabase db = client.getDatabase(s.config().mongo.database);
      String gateKey = UUID.randomUUID().toString();
      String countKey = UUID.randomUUID().toString();
      assertThat(
              http.post(
                      "/jobs/chains",
                      "{\"name\":\"two-steps\",\"steps\":["
                          + "{\"name\":\"first\",\"job\":\"gate\",\"params\":{\"key\":\""
                          + gateKey
                          + "\"}},"
                          + "{\"name\":\"second\",\"job\":\"counted\",\"depends_on\":[\"first\"],\"params\":{\"key\":\""
                          + countKey
                          + "\"}}]}")
                  .status())
          .isEqualTo(201);

      ChainOrchestrator before = orchestrator("before", db, requests, controls);
      before.start();
      String id = ChainsApiTest.startChain(http, "two-steps", "{\"tenant_id\":\"t1\"}");
      String firstRun = RunId.forChainStep(id, "first", 1).value();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  "running"
                      .equals(http.get("/jobs/runs/" + firstRun).body().path("status").asText()));
      before.stop();

      ChainTestJobs.open(gateKey);
      EndToEndTest.awaitRun(http, firstRun, "completed");
      JsonNode between = http.get("/jobs/chain-runs/" + id).body();
      assertThat(between.path("steps").get(0).path("status").asText()).isEqualTo("running");
      assertThat(between.path("steps").get(1).path("status").asText()).isEqualTo("pending");

      ChainOrchestrator after = orchestrator("after", db, requests, controls);
      after.start();
      try {
        JsonNode done = ChainsApiTest.awaitChainRun(http, id, "completed");
        assertThat(done.path("steps").findValuesAsText("status"))
            .containsExactly("completed", "completed");
      } finally {
        after.stop();
      }
      assertThat(ChainTestJobs.calls(gateKey)).isEqualTo(1);
      assertThat(ChainTestJobs.calls(countKey)).isEqualTo(1);
      for (String step : List.of("first", "second")) {
        JsonNode run = http.get("/jobs/runs/" + RunId.forChainStep(id, step, 1)).body();
        assertThat(run.path("attempts").size()).as(step).isEqualTo(1);
      }
    }
  }

  private static ChainOrchestrator orchestrator(
      String id, MongoDatabase db, RequestProducer requests, ControlProducer controls) {
    Emitter toKafka =
        new Emitter() {
          @Override
          public CompletableFuture<?> send(PreparedRequest prepared) {
            return requests.send(prepared);
          }

          @Override
          public CompletableFuture<?> missed(RunEvent event) {
            throw new AssertionError(
                "the orchestrator never records missed fire times, yet it did: " + event);
          }
        };
    Clock clock = Clock.systemUTC();
    return new ChainOrchestrator(
        new ChainOrchestrator.Parts(
            new MongoChainRunStore(db),
            new MongoRunStore(db, clock),
            new MongoTimerStore(db),
            new MongoLeaseStore(db),
            toKafka,
            runId ->
                controls.sendAndWait(
                    Control.cancel(RunId.of(runId), 1, clock.instant(), Control.BY_CHAIN))),
        Duration.ofMillis(200),
        Duration.ofSeconds(15),
        id,
        clock);
  }
}
