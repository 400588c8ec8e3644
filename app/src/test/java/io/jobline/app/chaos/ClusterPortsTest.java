package io.jobline.app.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The chaos cluster's ports: a port is free until its process binds it, so the cluster must not
 * hand the same one to two processes (a history and an api once got the same one, and the api could
 * not start). 2,000 draws from 12,000 ports would repeat one almost surely if nothing prevented it.
 */
class ClusterPortsTest {
  @Test
  void noPortIsHandedOutTwiceAndNoneIsInTheEphemeralRange() throws Exception {
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      ports.add(Cluster.freePort());
    }
    assertThat(new HashSet<>(ports)).hasSameSizeAs(ports);
    assertThat(ports).allMatch(p -> p >= 20_000 && p < 32_000);
  }
}
