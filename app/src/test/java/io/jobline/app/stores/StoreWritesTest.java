package io.jobline.app.stores;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import io.jobline.app.StoreWrites;
import io.jobline.embedded.EmbeddedMongo;
import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import io.jobline.store.MongoRunStore;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the bench and the metrics count of a process's MongoDB writes, on a real client. */
class StoreWritesTest {
  @Test
  void countsWriteCommandsAndTheDocumentsTheyCarryButNoRead() {
    StoreWrites counted = new StoreWrites();
    try (EmbeddedMongo server = EmbeddedMongo.start(null, 0);
        MongoClient client =
            MongoClients.create(
                MongoClientSettings.builder()
                    .applyConnectionString(new ConnectionString(server.uri()))
                    .addCommandListener(counted)
                    .build())) {
      MongoRunStore runs = new MongoRunStore(client.getDatabase("counted"), Clock.systemUTC());
      runs.upsertAll(List.of(run("a"), run("b"), run("c")));
      assertThat(counted.commands()).isEqualTo(1);
      assertThat(counted.documents()).isEqualTo(3);

      assertThat(runs.find("a")).isPresent();
      assertThat(runs.find("missing")).isEmpty();
      runs.statuses(List.of("a", "b", "c"));
      runs.countByStatus(null, Instant.EPOCH);
      assertThat(counted.commands()).as("reads are not writes").isEqualTo(1);
      assertThat(counted.documents()).isEqualTo(3);
    }
  }

  private static RunRecord run(String id) {
    return RunStoreContractTest.RunStoreContract.run(
        id, "noop", "t1", RunStatus.QUEUED, ContractMongo.T0);
  }
}
