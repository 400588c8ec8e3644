package io.jobline.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.api.auth.Caller;
import io.jobline.api.auth.Role;
import io.jobline.testkit.ShiftableClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** Each token's writes come out of a bucket of its own. */
class WriteRateLimitTest {
  private final ApiLimits limits = new ApiLimits();

  private WriteRateLimit limit() {
    limits.writeBurst = 1;
    limits.writesPerSecond = 1;
    // the clock stands still: nothing refills during the test
    return new WriteRateLimit(limits, Clock.fixed(Instant.EPOCH, ZoneOffset.UTC));
  }

  @Test
  void callersOfTwoTenantsWithTheSameNameDoNotShareABucket() {
    // found by review: buckets were keyed by the name, so every tenant's JWT without sub (all
    // named "jwt"), and tokens sharing a sub across tenants, drained one bucket
    WriteRateLimit limit = limit();
    Caller acme = new Caller("jwt", Role.OPERATOR, "acme");
    assertThat(limit.take(acme)).isZero();
    assertThat(limit.take(new Caller("jwt", Role.OPERATOR, "umbrella"))).isZero();
    assertThat(limit.take(new Caller("jwt", Role.OPERATOR, null))).isZero();
    assertThat(limit.take(acme)).as("acme's own bucket is empty").isPositive();
  }

  @Test
  void twoJwtsWithoutSubInOneTenantDoNotShareABucket() {
    WriteRateLimit limit = limit();
    assertThat(limit.take(new Caller("jwt", Role.OPERATOR, "acme", "hash of token 1"))).isZero();
    assertThat(limit.take(new Caller("jwt", Role.OPERATOR, "acme", "hash of token 2"))).isZero();
    assertThat(limit.take(new Caller("jwt", Role.OPERATOR, "acme", "hash of token 1")))
        .isPositive();
  }

  @Test
  void bucketsFullAgainAreForgottenSoRotatedTokensDoNotGrowTheMap() {
    // found by review: a bucket per JWT without sub, kept for good, grew with every token issued
    limits.writeBurst = 2;
    limits.writesPerSecond = 1;
    ShiftableClock moving = new ShiftableClock();
    WriteRateLimit limit = new WriteRateLimit(limits, moving);
    for (int i = 0; i < 1000; i++) {
      assertThat(limit.take(new Caller("jwt", Role.OPERATOR, "acme", "token " + i))).isZero();
    }
    Caller busy = new Caller("ci", Role.OPERATOR, "acme");
    moving.shift(Duration.ofSeconds(59));
    assertThat(limit.take(busy)).isZero();
    assertThat(limit.take(busy)).isZero();
    assertThat(limit.buckets()).isEqualTo(1001);

    moving.shift(Duration.ofMillis(1_500)); // (a minute since the last sweep: all but busy's full)
    assertThat(limit.take(new Caller("jwt", Role.OPERATOR, "acme", "token new"))).isZero();

    assertThat(limit.buckets()).isEqualTo(2);
    assertThat(limit.take(busy)).as("busy's bucket, 1.5 tokens, was kept").isZero();
    assertThat(limit.take(busy)).isPositive();
  }
}
