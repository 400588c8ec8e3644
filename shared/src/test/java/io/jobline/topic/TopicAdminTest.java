package io.jobline.topic;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;

class TopicAdminTest {
  @Test
  void aReplicatedTopicAcknowledgesAWriteOnlyOnceTwoReplicasHaveIt() {
    NewTopic replicated = TopicAdmin.newTopic("jobline.requests", 12, (short) 3);
    assertThat(replicated.configs()).containsEntry("min.insync.replicas", "2");
    assertThat(replicated.replicationFactor()).isEqualTo((short) 3);

    NewTopic single = TopicAdmin.newTopic("jobline.requests", 12, (short) 1);
    assertThat(single.configs()).isNullOrEmpty();
  }
}
