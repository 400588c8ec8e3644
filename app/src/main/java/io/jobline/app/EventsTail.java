package io.jobline.app;

import io.jobline.topic.Topics;
import io.jobline.wire.RunEvent;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * A reader of {@code jobline.events} from now on, as history sees them (committed only), on every
 * partition and in no consumer group: what the bench and the chaos scenarios watch runs through.
 */
public final class EventsTail {
  private EventsTail() {}

  /** A consumer of every events partition, positioned at its end. */
  public static KafkaConsumer<String, RunEvent> fromNow(Map<String, Object> clientProperties) {
    return fromNow(clientProperties, Topics.EVENTS.valueSerde().deserializer());
  }

  /** The same, reading each event's value with the deserializer given. */
  static <V> KafkaConsumer<String, V> fromNow(
      Map<String, Object> clientProperties, Deserializer<V> values) {
    Map<String, Object> props = new HashMap<>(clientProperties);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
    KafkaConsumer<String, V> consumer =
        new KafkaConsumer<>(props, Topics.EVENTS.keySerde().deserializer(), values);
    List<TopicPartition> partitions =
        consumer.partitionsFor(Topics.EVENTS.name()).stream()
            .map(p -> new TopicPartition(p.topic(), p.partition()))
            .toList();
    consumer.assign(partitions);
    consumer.seekToEnd(partitions);
    partitions.forEach(consumer::position);
    return consumer;
  }
}
