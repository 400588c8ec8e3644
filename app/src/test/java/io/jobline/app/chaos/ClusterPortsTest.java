package io.jobline.app.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.embedded.EmbeddedKafka;
import io.jobline.embedded.FreePorts;
import java.nio.file.Files;
import java.nio.file.Path;
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
      ports.add(FreePorts.take()); // as the chaos cluster takes them
    }
    assertThat(new HashSet<>(ports)).hasSameSizeAs(ports);
    int[] range = FreePorts.range();
    assertThat(range[1]).isLessThanOrEqualTo(ephemeralLow());
    assertThat(ports).allMatch(p -> p >= range[0] && p < range[1]);
    // standalone's broker, controller and store take theirs the same way
    assertThat(EmbeddedKafka.freePort()).isBetween(range[0], range[1] - 1).isNotIn(ports);
  }

  private static int ephemeralLow() throws Exception {
    Path file = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    return Files.exists(file)
        ? Integer.parseInt(Files.readAllLines(file).get(0).trim().split("\\s+")[0])
        : 32_768;
  }
}
