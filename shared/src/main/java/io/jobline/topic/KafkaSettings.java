package io.jobline.topic;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.constraints.NotBlank;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;

/** How to reach Kafka: bootstrap servers plus any client properties (security, timeouts). */
public class KafkaSettings {
  @NotBlank @JsonProperty public String bootstrapServers = "localhost:29092";

  /**
   * Passed to every client as they are, e.g. {@code security.protocol}, {@code sasl.jaas.config}.
   */
  @JsonProperty public Map<String, String> properties = new HashMap<>();

  /** Common client properties: bootstrap servers plus the pass-through ones. */
  public Map<String, Object> clientProperties() {
    Map<String, Object> props = new HashMap<>(properties);
    props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    return props;
  }
}
