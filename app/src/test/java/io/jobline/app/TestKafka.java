package io.jobline.app;

import java.util.Map;

/** The shared standalone's Kafka, for tests in other packages. */
public final class TestKafka {
  private TestKafka() {}

  /** Client properties that reach the shared standalone's broker. */
  public static Map<String, Object> clientProperties() {
    return SharedStandalone.get().config().kafka.clientProperties();
  }
}
