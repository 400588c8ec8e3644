package io.jobline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobline.run.RunOptions;
import io.jobline.store.InMemoryDeadLetterStore;
import io.jobline.wire.Json;
import java.io.IOException;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * A keyed run-now that neither history nor the api answering knows: its first attempt is reserved
 * in the store, so a second api (or this one, having forgotten) answers with the run sent, never
 * sends it again.
 */
class KeyReservationTest {
  private static final Instant T0 = Instant.parse("2026-12-07T21:00:00Z");
  private static final RunOptions NONE = new RunOptions(null, null, null, null);

  private final InMemoryDeadLetterStore store = new InMemoryDeadLetterStore();

  private static JsonNode params(String json) {
    try {
      return Json.mapper().readTree(json);
    } catch (IOException e) {
      throw new IllegalArgumentException(e);
    }
  }

  private KeyReservation.Verdict reserve(String params, RunOptions asked, Instant at) {
    return KeyReservation.reserve(store, "k1", params(params), asked, at);
  }

  @Test
  void aKeySentByOneApiIsAnsweredByAnotherAsThatRunAndNotSentAgain() {
    KeyReservation.Verdict first = reserve("{\"amount\":5,\"to\":\"a\"}", NONE, T0);
    assertThat(first).isInstanceOf(KeyReservation.Send.class);
    KeyReservation.sent(store, "k1", ((KeyReservation.Send) first).token());

    // the same request as the run keeps it: keys in another order, a number spelled otherwise
    KeyReservation.Verdict again =
        reserve("{\"to\":\"a\",\"amount\":5.0}", NONE, T0.plusSeconds(3));

    assertThat(again).isEqualTo(new KeyReservation.Replay(T0));
  }

  @Test
  void aKeySentWithOtherParamsOrOptionsIsRefusedNamingTheFirstFieldThatDiffers() {
    RunOptions timeout60 = new RunOptions(null, 60, null, null);
    KeyReservation.Send first = (KeyReservation.Send) reserve("{\"amount\":5}", timeout60, T0);
    KeyReservation.sent(store, "k1", first.token());

    assertThatThrownBy(() -> reserve("{\"amount\":6}", timeout60, T0))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.status()).isEqualTo(422);
              assertThat(e.toProblem().field()).isEqualTo("params");
            });
    assertThatThrownBy(() -> reserve("{\"amount\":5}", new RunOptions(null, 61, null, null), T0))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> assertThat(e.toProblem().field()).isEqualTo("timeout_seconds"));
    assertThatThrownBy(() -> reserve("{\"amount\":5}", new RunOptions(null, 60, 9, null), T0))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> assertThat(e.toProblem().field()).isEqualTo("retry_backoff_seconds"));
  }

  @Test
  void whileAnotherApiSendsTheKeyTheRequestIsToldToComeBackAndOnceItFailedItMaySend() {
    KeyReservation.Send first = (KeyReservation.Send) reserve("{}", NONE, T0);

    assertThatThrownBy(() -> reserve("{}", NONE, T0.plusMillis(10)))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.status()).isEqualTo(409);
              assertThat(e.toProblem().field()).isEqualTo(JobsResource.IDEMPOTENCY_KEY);
              assertThat(e.retryAfterSeconds()).isEqualTo(1);
            });

    KeyReservation.notSent(store, "k1", first.token(), new RuntimeException("Kafka down"));
    assertThat(reserve("{}", NONE, T0.plusSeconds(1))).isInstanceOf(KeyReservation.Send.class);
  }

  @Test
  void aKeyWhoseApiStoppedWhileSendingMayBeSentAgainOnceItsSendWouldHaveEnded() {
    // found by review: held as a retry's reservation is, the key was a 409 for 5 minutes
    reserve("{}", NONE, T0); // (its api stops: neither marked sent nor given back)

    assertThatThrownBy(() -> reserve("{}", NONE, T0.plus(KeyReservation.HELD).minusSeconds(1)))
        .isInstanceOf(ApiException.class);
    assertThat(reserve("{}", NONE, T0.plus(KeyReservation.HELD).plusSeconds(1)))
        .isInstanceOf(KeyReservation.Send.class);
  }

  @Test
  void aFirstAttemptAskedForByARedriveIsReplayedWhateverItAsked() {
    // a redrive of a run the store no longer has reserves attempt 1 and keeps no fingerprint
    assertThat(store.reserveAttempt("k1", 1, "redrive", T0)).isTrue();
    store.attemptSent("k1", 1, "redrive");

    assertThat(reserve("{\"amount\":5}", NONE, T0.plusSeconds(1)))
        .isEqualTo(new KeyReservation.Replay(T0));
  }

  @Test
  void paramsDifferingOnlyInASecretsValueAreTheSameRequestAsTheRunKeepsThem() {
    assertThat(SameRequest.digest(params("{\"password\":\"a\",\"n\":1}")))
        .isEqualTo(SameRequest.digest(params("{\"n\":1.00,\"password\":\"b\"}")))
        .isNotEqualTo(SameRequest.digest(params("{\"n\":2,\"password\":\"a\"}")));
    assertThat(SameRequest.digest(params("{}"))).isNull();
    assertThat(SameRequest.digest(params("{\"a\":[1,2]}")))
        .isNotEqualTo(SameRequest.digest(params("{\"a\":[2,1]}")));
    assertThat(SameRequest.digest(params("{\"a\":\"1\"}")))
        .isNotEqualTo(SameRequest.digest(params("{\"a\":1}")));
  }
}
