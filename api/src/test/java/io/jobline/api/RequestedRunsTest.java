package io.jobline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jobline.wire.RunId;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** What a search of the requests topic reads of each record, and which ids it looks for. */
class RequestedRunsTest {
  private static String runIdOf(String json) {
    return RequestedRuns.runIdOf(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void theRunIdIsReadFromTheTopOfTheRequestWhereverItStands() {
    assertThat(runIdOf("{\"run_id\":\"a\",\"job_name\":\"noop\"}")).isEqualTo("a");
    assertThat(
            runIdOf(
                "{\"params\":{\"run_id\":\"inner\",\"list\":[{\"run_id\":\"deeper\"}]},"
                    + "\"job_name\":\"noop\",\"run_id\":\"outer\"}"))
        .isEqualTo("outer");
    assertThat(runIdOf("{\"job_name\":\"noop\"}")).isNull();
    assertThat(runIdOf("{\"run_id\":42}")).isNull();
    assertThat(runIdOf("[\"run_id\",\"a\"]")).isNull();
    assertThat(runIdOf("not json at all")).isNull();
    assertThat(runIdOf("{\"run_id\":\"a\"")).isEqualTo("a"); // (the executor dead-letters it)
    assertThat(RequestedRuns.runIdOf(new byte[] {(byte) 0xff, 0, 1})).isNull();
    assertThat(RequestedRuns.runIdOf(null)).isNull();
  }

  @Test
  void aVersion7IdNamesTheTimeItWasMadeAndOtherIdsNone() {
    Instant made = Instant.parse("2026-12-05T08:00:00.123Z");
    RunId id = RunId.random(Clock.fixed(made, ZoneOffset.UTC));
    assertThat(RequestedRuns.madeAt(id.value())).isEqualTo(made.toEpochMilli());
    assertThat(RequestedRuns.madeAt(RunId.forIdempotencyKey("acme", "noop", "k").value())).isNull();
    assertThat(RequestedRuns.madeAt("not-a-uuid")).isNull();
    assertThat(RequestedRuns.madeAt("")).isNull();
    assertThat(RequestedRuns.version(id.value())).isEqualTo(7);
    assertThat(RequestedRuns.version(RunId.forSchedule("s", made).value())).isEqualTo(3);
    assertThat(RequestedRuns.version(UUID.randomUUID().toString())).isEqualTo(4);
    assertThat(RequestedRuns.version("1-2-3-4-5")).isZero(); // UUID.fromString takes it
    assertThat(RequestedRuns.version(" " + id.value().substring(1))).isZero();
    assertThat(RequestedRuns.version(null)).isZero();
  }

  /** A search with no broker at its address: one would fail after its time (200 ms). */
  private static RequestedRuns noBroker(Instant now) {
    return new RequestedRuns(
        Map.of("bootstrap.servers", "127.0.0.1:9"),
        Clock.fixed(now, ZoneOffset.UTC),
        Duration.ofSeconds(33),
        100,
        Duration.ofMillis(200));
  }

  @Test
  void onlyJoblinesOwnIdsAreLookedForAndAVersion7IdOnlyWhenMadeLately() {
    Instant now = Instant.parse("2026-12-05T08:00:00Z");
    // no broker at this address: a search would fail after its time; these never search
    RequestedRuns runs = noBroker(now);
    String old = RunId.random(Clock.fixed(now.minusSeconds(34), ZoneOffset.UTC)).value();
    String future = RunId.random(Clock.fixed(now.plusSeconds(6), ZoneOffset.UTC)).value();
    assertThat(runs.find(old, null)).isEmpty();
    assertThat(runs.find(future, null)).isEmpty();
    assertThat(runs.find(UUID.randomUUID().toString(), null)).isEmpty();
    assertThat(runs.find("a-client-chose-this", null)).isEmpty();
    assertThat(runs.searches()).as("Kafka was not asked").isZero();
    String fresh = RunId.random(Clock.fixed(now.minusSeconds(1), ZoneOffset.UTC)).value();
    String named = RunId.forIdempotencyKey("acme", "noop", "k").value();
    // (no broker: it cannot tell, after its time, and says so rather than finding nothing)
    for (String id : List.of(fresh, named)) {
      assertThatThrownBy(() -> runs.find(id, null))
          .isInstanceOfSatisfying(
              ApiException.class,
              e -> {
                assertThat(e.status()).isEqualTo(503);
                assertThat(e.retryAfterSeconds()).isEqualTo(1);
              })
          .hasMessageContaining("jobline.requests could not be read");
    }
    assertThat(runs.searches()).isEqualTo(2);
  }

  @Test
  void aCallerWhoseSearchesTookMoreThanItsShareWaitsAndOthersAreStillSearchedFor() {
    // found by review: one viewer asking for made-up ids again and again kept the one search busy,
    // and every other caller's run accepted by another api a moment ago answered 503
    Instant now = Instant.parse("2026-12-05T08:00:00Z");
    long[] nanos = {1_000_000_000L};
    RequestedRuns runs =
        new RequestedRuns(
            Map.of("bootstrap.servers", "127.0.0.1:9"),
            Clock.fixed(now, ZoneOffset.UTC),
            Duration.ofSeconds(33),
            100,
            Duration.ofMillis(200),
            () -> nanos[0]);
    String fresh = RunId.random(Clock.fixed(now.minusSeconds(1), ZoneOffset.UTC)).value();
    runs.shares().take("greedy");
    runs.shares().took("greedy", Duration.ofMillis(200).toNanos()); // a search at its longest

    assertThatThrownBy(() -> runs.find(fresh, "greedy"))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.status()).isEqualTo(429);
              assertThat(e.toProblem().field()).isEqualTo("run_id");
              assertThat(e.retryAfterSeconds()).isEqualTo(1); // (nothing left, nothing owed)
            })
        .hasMessageContaining("25 %");
    assertThat(runs.searches()).as("not searched for").isZero();

    // another caller is searched for (no broker here: it cannot tell, and says so), and not
    // charged for a Kafka it could not read
    assertThatThrownBy(() -> runs.find(fresh, "other"))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(503));
    assertThat(runs.searches()).isEqualTo(1);
    assertThat(runs.shares().left("other")).isEqualTo(Duration.ofMillis(200).toNanos());
  }
}
