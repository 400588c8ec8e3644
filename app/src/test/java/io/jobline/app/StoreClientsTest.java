package io.jobline.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.MongoSocketReadTimeoutException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import io.jobline.embedded.EmbeddedMongo;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.bson.Document;
import org.junit.jupiter.api.Test;

/** The store client's timeouts: no operation waits for a reply for good. */
class StoreClientsTest {
  @Test
  void anOperationWaitsAtMostTwoMinutesForAReplyAndFiveSecondsForAServerByDefault() {
    MongoClientSettings settings =
        StoreClients.settings(new ConnectionString("mongodb://localhost:27117")).build();

    assertThat(settings.getSocketSettings().getReadTimeout(TimeUnit.SECONDS)).isEqualTo(120);
    assertThat(settings.getClusterSettings().getServerSelectionTimeout(TimeUnit.SECONDS))
        .isEqualTo(5);
  }

  @Test
  void theUrisOwnTimeoutsWin() {
    MongoClientSettings settings =
        StoreClients.settings(
                new ConnectionString(
                    "mongodb://localhost:27117/?socketTimeoutMS=900&serverSelectionTimeoutMS=1500"))
            .build();

    assertThat(settings.getSocketSettings().getReadTimeout(TimeUnit.MILLISECONDS)).isEqualTo(900);
    assertThat(settings.getClusterSettings().getServerSelectionTimeout(TimeUnit.MILLISECONDS))
        .isEqualTo(1500);
  }

  @Test
  void aStoreThatStopsAnsweringOnAnOpenConnectionFailsTheOperationAndTheNextOneGetsThrough()
      throws Exception {
    // a connection whose other end went silent without a reset: the call returns with an error
    // instead of holding its thread for good, and once the store answers again so does the client
    try (EmbeddedMongo store = EmbeddedMongo.start(null, 0);
        SilencingProxy proxy = new SilencingProxy(new ConnectionString(store.uri()))) {
      try (MongoClient client =
          MongoClients.create(
              StoreClients.settings(
                      new ConnectionString(
                          "mongodb://127.0.0.1:" + proxy.port() + "/?socketTimeoutMS=500"))
                  .build())) {
        MongoCollection<Document> runs = client.getDatabase("jobline").getCollection("runs");
        runs.insertOne(new Document("_id", "r1"));

        proxy.silent = true;
        assertTimeoutPreemptively(
            Duration.ofSeconds(30),
            () ->
                assertThatThrownBy(() -> runs.find().first())
                    .isInstanceOf(MongoSocketReadTimeoutException.class));

        proxy.silent = false;
        assertThat(runs.countDocuments()).isEqualTo(1);
      }
    }
  }

  /** Relays bytes to the store; while {@link #silent}, drops what the store answers. */
  private static final class SilencingProxy implements AutoCloseable {
    private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    private final ConnectionString target;
    volatile boolean silent;

    SilencingProxy(ConnectionString target) throws IOException {
      this.target = target;
      Thread accept = new Thread(this::accept, "test-proxy");
      accept.setDaemon(true);
      accept.start();
    }

    int port() {
      return server.getLocalPort();
    }

    private void accept() {
      while (!server.isClosed()) {
        try {
          Socket client = server.accept();
          String[] hostPort = target.getHosts().get(0).split(":");
          Socket store = new Socket(hostPort[0], Integer.parseInt(hostPort[1]));
          relay(client.getInputStream(), store.getOutputStream(), false);
          relay(store.getInputStream(), client.getOutputStream(), true);
        } catch (IOException e) {
          return;
        }
      }
    }

    private void relay(InputStream from, OutputStream to, boolean answers) {
      Thread t =
          new Thread(
              () -> {
                byte[] buffer = new byte[8192];
                try {
                  int n;
                  while ((n = from.read(buffer)) >= 0) {
                    if (!(answers && silent)) {
                      to.write(buffer, 0, n);
                      to.flush();
                    }
                  }
                } catch (IOException e) {
                  // the other side closed
                }
              },
              "test-relay");
      t.setDaemon(true);
      t.start();
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }
}
