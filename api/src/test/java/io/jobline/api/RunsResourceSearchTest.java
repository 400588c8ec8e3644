package io.jobline.api;

import static io.jobline.api.Callers.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jobline.api.auth.Caller;
import io.jobline.api.auth.Role;
import io.jobline.store.InMemoryRunStore;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A run history has not written is looked for on behalf of its caller: each caller has its own
 * share of the requests topic's search ({@link SearchShares}), and its 429 reaches the client.
 */
class RunsResourceSearchTest {
  @Test
  void aRunNotInHistoryIsLookedForAsItsCallerAndThatCallersWaitIsAnswered() {
    List<Object> askedAs = new ArrayList<>();
    AcceptedRuns accepted =
        new AcceptedRuns(
            (runId, caller) -> {
              askedAs.add(caller);
              throw new ApiException(429, "Too many requests", "wait", "run_id", null)
                  .retryAfter(3);
            });
    RunsResource resource =
        ApiRuns.resource(new InMemoryRunStore(Clock.systemUTC()), null, accepted, null, null);
    Caller viewer = new Caller("dash", Role.VIEWER, "acme");
    Caller operator = new Caller("ops", Role.OPERATOR, "acme");

    for (Runnable call :
        List.<Runnable>of(
            () -> resource.show("r1", as(viewer)),
            () -> resource.logs("r1", null, null, as(viewer)),
            () -> resource.cancel("r1", as(operator)),
            () -> resource.retry("r1", as(operator)))) {
      assertThatThrownBy(call::run)
          .isInstanceOfSatisfying(
              ApiException.class,
              e -> {
                assertThat(e.status()).isEqualTo(429);
                assertThat(e.retryAfterSeconds()).isEqualTo(3);
              });
    }
    assertThat(askedAs)
        .containsExactly(
            viewer.limitKey(), viewer.limitKey(), operator.limitKey(), operator.limitKey());
  }
}
