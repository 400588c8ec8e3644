package io.jobline.executor;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.topic.Topics;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunId;
import io.jobline.wire.Trigger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * A record's claim key read without binding it (before a move) is the key the executor gives the
 * request once it reads it, so a copy of an attempt that runs or ran here is told as one.
 */
class ClaimKeyOfTest {
  private static String keyOf(String json) {
    return RequestReader.claimKeyOf(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void theKeyOfARecordIsTheKeyOfItsRequestAsRead() {
    JobRequest request =
        JobRequest.of(
            RunId.of("run-7"),
            "counting",
            Json.object().put("run_id", "not this one"),
            "t1",
            null,
            null,
            Trigger.manual(),
            Instant.parse("2026-12-06T00:00:00Z"),
            "test");
    byte[] value =
        Topics.REQUESTS.valueSerde().serializer().serialize(Topics.REQUESTS.name(), request);
    Pending read = new Pending(null, request, null, 0, () -> {}, null, null, 0, 0);

    assertThat(RequestReader.claimKeyOf(value)).isEqualTo(read.claimKey()).isEqualTo("run-7:1");
    assertThat(keyOf("{\"attempt\":3,\"params\":{\"run_id\":\"x\"},\"run_id\":\"r\"}"))
        .isEqualTo("r:3");
    assertThat(keyOf("{\"run_id\":\"r\",\"attempt\":0}")).as("read as attempt 1").isEqualTo("r:1");
    // as the binding reads them (found by review)
    assertThat(keyOf("{\"run_id\":7,\"attempt\":\"2\"}")).isEqualTo("7:2");
    assertThat(keyOf("{\"run_id\":\"r\",\"attempt\":2.0}")).isEqualTo("r:2");
  }

  @Test
  void aRecordNamingNoRunIdOrNotReadingHasNone() {
    assertThat(keyOf("{\"job_name\":\"counting\"}")).isNull();
    assertThat(keyOf("{\"run_id\":null}")).isNull();
    assertThat(keyOf("not json")).isNull();
    assertThat(keyOf("[1,2]")).isNull();
    assertThat(RequestReader.claimKeyOf(null)).isNull();
  }
}
