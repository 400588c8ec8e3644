package io.jobline.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.health.HealthCheck;
import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.bson.Document;
import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The store's health check follows what the roles can do with it, not whether it answers a ping.
 */
class StoreHealthTest {
  /**
   * A store that still answers pings and handshakes while every read and write fails, as a broken
   * backend does.
   */
  static final class BrokenBackend extends MemoryBackend {
    volatile boolean broken;

    @Override
    public Document handleCommand(
        Channel channel, String database, String command, Document query) {
      if (broken
          && !Set.of("ping", "hello", "isMaster", "ismaster", "buildInfo", "buildinfo")
              .contains(command)) {
        throw new IllegalStateException("the backend is closed");
      }
      return super.handleCommand(channel, database, command, query);
    }
  }

  @Test
  void aStoreThatAnswersPingsButNeitherReadsNorWritesIsUnhealthy() {
    BrokenBackend backend = new BrokenBackend();
    MongoServer server = new MongoServer(backend);
    InetSocketAddress address = server.bind();
    try (MongoClient client =
        MongoClients.create(
            MongoClientSettings.builder()
                .applyConnectionString(
                    new ConnectionString("mongodb://localhost:" + address.getPort()))
                .applyToClusterSettings(c -> c.serverSelectionTimeout(2, TimeUnit.SECONDS))
                .build())) {
      MongoHealthCheck check =
          new MongoHealthCheck(client.getDatabase("jobline"), "test", Clock.systemUTC());
      assertThat(check.execute().isHealthy()).isTrue();

      backend.broken = true;
      assertThat(
              client.getDatabase("jobline").runCommand(new org.bson.Document("ping", 1)).get("ok"))
          .isNotNull();
      HealthCheck.Result result = check.execute();
      assertThat(result.isHealthy()).isFalse();
      assertThat(result.getMessage()).contains("the backend is closed");
    } finally {
      server.shutdownNow();
    }
  }
}
