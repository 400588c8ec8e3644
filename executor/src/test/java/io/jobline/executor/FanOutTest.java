package io.jobline.executor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunId;
import io.jobline.wire.Trigger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The children a per-tenant job's run fans out to, and the bound on how many its end lists. */
class FanOutTest {
  private static final Instant T0 = Instant.parse("2026-12-07T12:00:00Z");
  private static final JobRequest PARENT =
      JobRequest.of(
          RunId.of("parent"),
          "tenant-report",
          Json.object(),
          null,
          null,
          null,
          Trigger.manual(),
          T0,
          "t");

  /** A directory of {@code count} active tenants whose ids are {@code prefix} and a number. */
  private static TenantDirectory tenants(String prefix, int count) {
    InMemoryTenantDirectory d = new InMemoryTenantDirectory();
    for (int i = 0; i < count; i++) {
      d.put(prefix + String.format("%04d", i), null, true);
    }
    return d;
  }

  @Test
  void theListOfChildrenIsBoundedInBytesAsWrittenNotInCharacters() {
    // found by review: counted in characters, 4,500 tenants with ids of 36 CJK characters (3 bytes
    // each) passed, and the parent's end was too large for Kafka: its result was left out and the
    // parent read failed while its children ran
    TenantDirectory wide = tenants("租".repeat(36), 4_500);
    assertThatThrownBy(() -> new FanOut(wide).plan(PARENT, T0))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("bytes; at most " + FanOut.MAX_LISTED_BYTES);

    FanOut.Children ascii = new FanOut(tenants("t".repeat(36), 4_500)).plan(PARENT, T0);
    assertThat(ascii.requests()).hasSize(4_500);
    assertThat(ascii.result().toString().getBytes(StandardCharsets.UTF_8).length)
        .isLessThanOrEqualTo(FanOut.MAX_LISTED_BYTES);
  }
}
