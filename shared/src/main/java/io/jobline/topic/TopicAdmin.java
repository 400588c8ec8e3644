package io.jobline.topic;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates Jobline's topics at start and waits until every partition answers, so the first produce
 * does not race leader election (KAFKA-15591).
 */
public final class TopicAdmin {
  private static final Logger LOG = LoggerFactory.getLogger(TopicAdmin.class);

  /** The broker setting that bounds a committed offset's metadata. */
  public static final String OFFSET_METADATA_MAX_BYTES = "offset.metadata.max.bytes";

  private TopicAdmin() {}

  public static void ensureTopics(
      KafkaSettings kafka, TopicSettings settings, List<Topic<?, ?>> topics, Duration timeout) {
    try (Admin admin = Admin.create(kafka.clientProperties())) {
      Set<String> existing =
          admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      List<NewTopic> missing = new ArrayList<>();
      for (Topic<?, ?> topic : topics) {
        if (!existing.contains(topic.name())) {
          missing.add(
              newTopic(topic.name(), settings.partitionsOf(topic), settings.replicationFactor));
        }
      }
      if (!missing.isEmpty()) {
        try {
          admin.createTopics(missing).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
          LOG.info("Created topics {}", missing.stream().map(NewTopic::name).toList());
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw e;
          }
        }
      }
      awaitPartitionsReady(admin, topics.stream().map(Topic::name).toList(), timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
    } catch (Exception e) {
      throw new IllegalStateException(
          "cannot create Jobline's topics on " + kafka.bootstrapServers + ": " + e.getMessage(), e);
    }
  }

  /**
   * A topic as Jobline creates it. With replicas, a write is acknowledged ({@code acks=all}) only
   * once two of them have it ({@code min.insync.replicas}): with Kafka's default of one, a leader
   * left alone in sync acknowledged a request by itself (a 202), and losing that broker for good
   * lost it (found by review).
   */
  static NewTopic newTopic(String name, int partitions, short replicationFactor) {
    NewTopic topic = new NewTopic(name, partitions, replicationFactor);
    if (replicationFactor > 1) {
      topic.configs(Map.of(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, "2"));
    }
    return topic;
  }

  private static void awaitPartitionsReady(Admin admin, List<String> names, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Exception last = null;
    while (System.nanoTime() - deadline < 0) {
      try {
        Map<String, TopicDescription> described =
            admin.describeTopics(names).allTopicNames().get(5, TimeUnit.SECONDS);
        Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
        described
            .values()
            .forEach(
                d ->
                    d.partitions()
                        .forEach(
                            p ->
                                specs.put(
                                    new TopicPartition(d.name(), p.partition()),
                                    OffsetSpec.latest())));
        admin.listOffsets(specs).all().get(5, TimeUnit.SECONDS);
        return;
      } catch (ExecutionException | TimeoutException e) {
        last = e;
        Thread.onSpinWait();
        TimeUnit.MILLISECONDS.sleep(100);
      }
    }
    throw new IllegalStateException("topics " + names + " not ready within " + timeout, last);
  }

  /**
   * The smallest {@code offset.metadata.max.bytes} of the cluster's brokers: how much a committed
   * offset's metadata ({@link FinishedOffsets}) may carry. Kafka's default when it cannot be read.
   */
  public static int offsetMetadataMaxBytes(KafkaSettings kafka, Duration timeout) {
    Map<String, Object> props = kafka.clientProperties();
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
    Admin admin = Admin.create(props);
    try {
      long ms = timeout.toMillis();
      List<ConfigResource> brokers = new ArrayList<>();
      for (Node node : admin.describeCluster().nodes().get(ms, TimeUnit.MILLISECONDS)) {
        brokers.add(new ConfigResource(ConfigResource.Type.BROKER, Integer.toString(node.id())));
      }
      int least = Integer.MAX_VALUE;
      for (Config config :
          admin.describeConfigs(brokers).all().get(ms, TimeUnit.MILLISECONDS).values()) {
        ConfigEntry entry = config.get(OFFSET_METADATA_MAX_BYTES);
        if (entry != null && entry.value() != null) {
          least = Math.min(least, Integer.parseInt(entry.value()));
        }
      }
      return least == Integer.MAX_VALUE ? FinishedOffsets.DEFAULT_METADATA_BYTES : least;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return FinishedOffsets.DEFAULT_METADATA_BYTES;
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      LOG.warn(
          "Could not read {} from the brokers ({}); assuming Kafka's default of {}",
          OFFSET_METADATA_MAX_BYTES,
          e.toString(),
          FinishedOffsets.DEFAULT_METADATA_BYTES);
      return FinishedOffsets.DEFAULT_METADATA_BYTES;
    } finally {
      admin.close(Duration.ZERO); // a broker that did not answer is not waited for again
    }
  }
}
