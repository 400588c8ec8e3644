package io.jobline.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.api.auth.Caller;
import io.jobline.api.auth.Role;
import java.time.Clock;
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
}
