package io.jobline.app;

import com.codahale.metrics.health.HealthCheck;
import io.jobline.topic.KafkaSettings;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

/** Healthy when the Kafka cluster answers a describe-cluster call within a few seconds. */
public final class KafkaHealthCheck extends HealthCheck implements AutoCloseable {
  private final Admin admin;

  public KafkaHealthCheck(KafkaSettings kafka) {
    var props = kafka.clientProperties();
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000);
    this.admin = Admin.create(props);
  }

  @Override
  protected Result check() throws Exception {
    int brokers =
        admin
            .describeCluster(new DescribeClusterOptions().timeoutMs(5000))
            .nodes()
            .get(5, TimeUnit.SECONDS)
            .size();
    return brokers > 0
        ? Result.healthy("%d broker(s) reachable", brokers)
        : Result.unhealthy("no Kafka broker reachable");
  }

  /** The admin client this check uses, for other checks to share. */
  public Admin admin() {
    return admin;
  }

  @Override
  public void close() {
    admin.close();
  }
}
