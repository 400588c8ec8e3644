package io.jobline.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class ControlTest {
  private static final RunId RUN = RunId.of("r1");
  private static final Instant AT = Instant.parse("2026-12-07T12:00:00Z");

  @Test
  void aCancelCoversTheAttemptsUpToTheOneItNamesAndAllWhenItNamesNone() {
    assertThat(Control.cancel(RUN, 3, AT, "api").cancelsUpTo()).isEqualTo(3);
    assertThat(new Control(RUN, Control.CANCEL, AT, "api", null).cancelsUpTo())
        .isEqualTo(Integer.MAX_VALUE);
  }

  @Test
  void aChainStepsCancelWrittenWithoutAnAttemptCoversItsOneAttemptOnly() {
    // found by review: kept on the topic, it stopped a retry of the step's run asked for by hand
    // once its chain run had ended
    Control old = new Control(RUN, Control.CANCEL, AT, Control.BY_CHAIN, null);
    assertThat(old.cancelsUpTo()).isEqualTo(1);
    Control read = Json.mapper().convertValue(Json.mapper().valueToTree(old), Control.class);
    assertThat(read.cancelsUpTo()).as("as read back from the topic").isEqualTo(1);
  }
}
