package io.jobline.history;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.job.JoblineException;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class HistoryExceptionTest {
  @Test
  void unreadablePartitionsNameTheTopicsInTheMessageOperatorsKnow() {
    IOException cause = new IOException("down");
    PartitionsUnreadableException e =
        new PartitionsUnreadableException(List.of("jobline.requests", "jobline.events"), cause);
    assertThat(e.topics()).containsExactly("jobline.requests", "jobline.events");
    assertThat(e)
        .hasMessage(
            "history cannot start: the partitions of jobline.requests and jobline.events could"
                + " not be read: java.io.IOException: down")
        .hasCause(cause)
        .isInstanceOf(HistoryException.class)
        .isInstanceOf(JoblineException.class);
  }

  @Test
  void aRebuildOutOfTimeSaysHowFarItGot() {
    RebuildTimeoutException e = new RebuildTimeoutException(Duration.ofMinutes(5), 40, 100);
    assertThat(e).hasMessage("rebuild did not catch up within PT5M (40 of 100)");
    assertThat(e.replayed()).isEqualTo(40);
    assertThat(e.total()).isEqualTo(100);
    assertThat(e.timeout()).isEqualTo(Duration.ofMinutes(5));
  }
}
