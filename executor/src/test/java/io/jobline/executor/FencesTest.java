package io.jobline.executor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FencesTest {
  @Test
  void aFencedExecutionStaysFencedButTheSameAttemptUnderALaterLeaseIsHeard() {
    // the executor lost its partitions in a stall (epoch 3) and got them back (epoch 4): the
    // requests it
    // reads again must run and be published, not be taken for the fenced executions of before
    Fences fences = new Fences();
    fences.fence("run-1:1", 3);
    assertThat(fences.isFenced("run-1:1", 3)).isTrue();
    assertThat(fences.isFenced("run-1:1", 4)).isFalse();
    assertThat(fences.isFenced("run-1:2", 3)).as("another attempt").isFalse();
  }
}
