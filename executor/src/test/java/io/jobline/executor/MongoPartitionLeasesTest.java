package io.jobline.executor;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MongoPartitionLeasesTest {
  private final ExecutorHarness h = ExecutorHarness.get();
  private final MongoPartitionLeases leases = new MongoPartitionLeases(h.db);
  private final Instant now = Instant.parse("2026-12-01T12:00:00Z");
  private final Duration ttl = Duration.ofSeconds(4);

  private String partition() {
    return "jobline.requests-lease-test-" + System.nanoTime();
  }

  @Test
  void anOwnerTakingItsOwnLeaseBackKeepsItsEpoch() {
    String p = partition();
    long first = leases.take(p, "exec-a", now, ttl, false).orElseThrow().epoch();
    assertThat(leases.take(p, "exec-a", now.plusSeconds(1), ttl, false).orElseThrow().epoch())
        .isEqualTo(first);
  }

  @Test
  void anOwnerThatFencedRunsOfThePartitionTakesItsOwnLeaseBackUnderANewEpoch() {
    // found by jobline chaos: an executor lost its partitions in a stall, nobody took the leases,
    // it got the partitions back under the same epoch, and the requests it read again matched its
    // fences
    String p = partition();
    long first = leases.take(p, "exec-a", now, ttl, false).orElseThrow().epoch();
    long again = leases.take(p, "exec-a", now.plusSeconds(1), ttl, true).orElseThrow().epoch();
    assertThat(again).isEqualTo(first + 1);
    assertThat(leases.renew(p, "exec-a", first, now.plusSeconds(2), ttl))
        .as("the old epoch is over")
        .isFalse();
    assertThat(leases.renew(p, "exec-a", again, now.plusSeconds(2), ttl)).isTrue();
  }

  @Test
  void anotherOwnerWaitsForTheLeaseThenTakesItWithTheNoteUnderAHigherEpoch() {
    String p = partition();
    long first = leases.take(p, "exec-a", now, ttl, false).orElseThrow().epoch();
    assertThat(leases.take(p, "exec-b", now.plusSeconds(1), ttl, false)).isEmpty();
    leases.handOver(p, "exec-a", first, Set.of(7L), Map.of(9L, "run-9:1"), 5);
    PartitionLeases.Taken taken =
        leases.take(p, "exec-b", now.plusSeconds(2), ttl, false).orElseThrow();
    assertThat(taken.epoch()).isEqualTo(first + 1);
    assertThat(taken.finished()).containsExactly(7L);
    assertThat(taken.stillRunning()).containsEntry(9L, "run-9:1");
  }

  @Test
  void theNoteStaysWithTheLeaseForAnOwnerAfterOneThatDiedWithoutHandingItOver() {
    // found by review: taking the lease took the note away with it; an owner that then died, or
    // lost the partition without handing it over, left the next owner no word of the run still
    // going at the first, which it started beside it
    String p = partition();
    long first = leases.take(p, "exec-a", now, ttl, false).orElseThrow().epoch();
    leases.handOver(p, "exec-a", first, Set.of(7L), Map.of(9L, "run-9:1"), 5);
    assertThat(leases.take(p, "exec-b", now.plusSeconds(1), ttl, false)).isPresent();

    PartitionLeases.Taken third =
        leases
            .take(p, "exec-c", now.plusSeconds(1).plus(ttl).plusMillis(1), ttl, false)
            .orElseThrow();

    assertThat(third.epoch()).isEqualTo(first + 2);
    assertThat(third.finished()).containsExactly(7L);
    assertThat(third.stillRunning()).containsExactly(Map.entry(9L, "run-9:1"));
    assertThat(third.base()).isEqualTo(5);
    long thirdEpoch = third.epoch();
    leases.handOver(p, "exec-c", thirdEpoch, Set.of(), Map.of(12L, "run-12:1"), 11);
    PartitionLeases.Taken fourth =
        leases.take(p, "exec-d", now.plusSeconds(20), ttl, false).orElseThrow();
    assertThat(fourth.finished()).as("a later note replaces it").isEmpty();
    assertThat(fourth.stillRunning()).containsExactly(Map.entry(12L, "run-12:1"));
    assertThat(fourth.base()).isEqualTo(11);
  }
}
