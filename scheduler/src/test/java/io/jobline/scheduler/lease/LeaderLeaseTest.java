package io.jobline.scheduler.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jobline.testkit.SettableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LeaderLeaseTest {
  private static final Instant T0 = Instant.parse("2026-12-02T04:00:00Z");
  private static final Duration TTL = Duration.ofSeconds(10);
  private final SettableClock clock = new SettableClock(T0);
  private final InMemoryLeaseStore store = new InMemoryLeaseStore();

  @Test
  void oneReplicaLeadsAndTrustsTheLeaseUntilAMarginShortOfItsEnd() {
    LeaderLease a = new LeaderLease(store, "l", "a", TTL, clock);
    LeaderLease b = new LeaderLease(store, "l", "b", TTL, clock);
    assertThat(a.acquire()).isEqualTo(1);
    assertThat(b.acquire()).isZero();
    assertThat(a.valid()).isTrue();
    assertThat(b.valid()).isFalse();

    clock.advance(TTL.minus(LeaderLease.MARGIN).minusMillis(1));
    assertThat(a.valid()).isTrue();
    clock.advance(Duration.ofMillis(1));
    assertThat(a.valid()).as("a margin short of its end in the store").isFalse();
  }

  @Test
  void aRenewalMovesTheEndOnAndAnotherReplicaTakesOverOnlyOnceItExpiredWithAHigherEpoch() {
    LeaderLease a = new LeaderLease(store, "l", "a", TTL, clock);
    LeaderLease b = new LeaderLease(store, "l", "b", TTL, clock);
    a.acquire();
    clock.advance(Duration.ofSeconds(5));
    assertThat(a.acquire()).isEqualTo(1);
    clock.advance(Duration.ofSeconds(9));
    assertThat(a.valid()).isTrue();
    assertThat(b.acquire()).isZero();

    clock.advance(Duration.ofSeconds(1)); // a froze: its lease ran out in the store
    assertThat(b.acquire()).isEqualTo(2);
    assertThat(a.valid()).isFalse();
    assertThat(a.acquire()).isZero();
    assertThat(a.epoch()).isZero();
  }

  @Test
  void whenTheStoreCannotBeAskedTheLeaseHeldStaysValidUntilItLapsesOnItsOwn() {
    boolean[] down = {false};
    LeaseStore flaky =
        new LeaseStore() {
          @Override
          public long tryAcquire(String key, String owner, Instant now, Duration ttl) {
            if (down[0]) {
              throw new IllegalStateException("store down");
            }
            return store.tryAcquire(key, owner, now, ttl);
          }

          @Override
          public void release(String key, String owner) {
            store.release(key, owner);
          }
        };
    LeaderLease a = new LeaderLease(flaky, "l", "a", TTL, clock);
    a.acquire();
    down[0] = true;
    clock.advance(Duration.ofSeconds(3));
    assertThatThrownBy(a::acquire).hasMessageContaining("store down");
    assertThat(a.valid()).isTrue();
    clock.advance(Duration.ofSeconds(7));
    assertThat(a.valid()).isFalse();
  }

  @Test
  void aReleasedLeaseIsTakenAtOnceByAnother() {
    LeaderLease a = new LeaderLease(store, "l", "a", TTL, clock);
    LeaderLease b = new LeaderLease(store, "l", "b", TTL, clock);
    a.acquire();
    a.release();
    assertThat(b.acquire()).isEqualTo(2);
  }
}
