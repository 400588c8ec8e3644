package io.jobline.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;

/** The settings of the broker that {@code standalone} and {@code bench} run in their own JVM. */
class EmbeddedBrokerTest {
  @Test
  void theLogCleanersOffsetMapIsSixteenMebibytesNotKafkasDefault128() throws Exception {
    Map<String, Object> props = SharedStandalone.get().config().kafka.clientProperties();
    try (Admin admin = Admin.create(props)) {
      Node broker = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).iterator().next();
      ConfigResource resource =
          new ConfigResource(ConfigResource.Type.BROKER, Integer.toString(broker.id()));
      Config config =
          admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource);
      // one heap buffer of this size from the broker's start: Kafka's 128 MiB was an eighth of
      // the 1 GiB heap that broker, store and every role share in one JVM
      assertThat(config.get("log.cleaner.dedupe.buffer.size").value())
          .isEqualTo(Long.toString(16L * 1024 * 1024));
    }
  }
}
