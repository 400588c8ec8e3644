package io.jobline.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jobline.job.JobException;
import io.jobline.job.JobResources;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The SDK is what a team writing jobs compiles against: nothing of Jobline's infrastructure comes
 * with it.
 */
class SdkClasspathTest {
  @Test
  void noKafkaMongoDbOrDropwizardIsOnTheSdksClasspath() {
    List<String> infrastructure =
        List.of(
            "org.apache.kafka.clients.producer.KafkaProducer",
            "com.mongodb.client.MongoDatabase",
            "org.bson.Document",
            "io.dropwizard.core.Application",
            "io.dropwizard.lifecycle.Managed",
            "io.jobline.topic.Topics",
            "io.jobline.store.RunStore");
    for (String name : infrastructure) {
      assertThatThrownBy(() -> Class.forName(name), name)
          .isInstanceOf(ClassNotFoundException.class);
    }
  }

  @Test
  void outsideAClusterAJobAskingForADatabaseFailsNamingWhatItWanted() {
    assertThat(JobResources.NONE.clock()).isNotNull();
    assertThatThrownBy(() -> JobResources.NONE.resource(StringBuilder.class))
        .isInstanceOf(JobException.class)
        .hasMessageContaining("StringBuilder");
    assertThatThrownBy(() -> JobResources.NONE.resource(StringBuilder.class, "app"))
        .isInstanceOf(JobException.class)
        .hasMessageContaining("'app'");
    assertThat(JobResources.NONE.settings(String.class)).isEmpty();
  }
}
