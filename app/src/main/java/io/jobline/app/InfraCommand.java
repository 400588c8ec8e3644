package io.jobline.app;

import io.jobline.embedded.EmbeddedKafka;
import io.jobline.embedded.EmbeddedMongo;
import io.jobline.topic.KafkaSettings;
import io.jobline.topic.TopicAdmin;
import io.jobline.topic.TopicSettings;
import io.jobline.topic.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jobline infra}: only the embedded Kafka broker and Mongo-wire store, so that each role can
 * run as its own process against them ({@code jobline api|scheduler|executor|history config.yml}).
 */
@Command(
    name = "infra",
    mixinStandardHelpOptions = true,
    description =
        "Start only the embedded Kafka broker and Mongo-wire store (for running roles as separate processes).")
final class InfraCommand implements Callable<Integer> {
  @Option(
      names = "--data-dir",
      description = "Folder for Kafka's log and the store (default: ${DEFAULT-VALUE}).")
  Path dataDir = Path.of("jobline-data");

  @Option(names = "--in-memory", description = "Keep nothing.")
  boolean inMemory;

  @Option(
      names = "--kafka-port",
      description = "Kafka port; the controller uses the next one (default: ${DEFAULT-VALUE}).")
  int kafkaPort = Standalone.DEFAULT_KAFKA_PORT;

  @Option(
      names = "--controller-port",
      description = "KRaft controller port (default: the Kafka port + 1).")
  Integer controllerPort;

  @Option(names = "--mongo-port", description = "Mongo-wire port (default: ${DEFAULT-VALUE}).")
  int mongoPort = Standalone.DEFAULT_MONGO_PORT;

  @Option(
      names = "--request-partitions",
      description = "Partitions of jobline.requests (default: ${DEFAULT-VALUE}).")
  int requestPartitions = TopicSettings.DEFAULT_REQUEST_PARTITIONS;

  @Option(
      names = "--store-only",
      description = "Start only the Mongo-wire store (Kafka runs elsewhere).")
  boolean storeOnly;

  /** Held while the process runs. */
  private DataDirLock lock;

  @Override
  public Integer call() throws Exception {
    int controller = controllerPort != null ? controllerPort : kafkaPort == 0 ? 0 : kafkaPort + 1;
    if (!storeOnly) {
      Ports.mustBeFree(kafkaPort, "Kafka", "--kafka-port");
      Ports.mustBeFree(
          controller,
          "the Kafka controller",
          controllerPort != null ? "--controller-port" : "--kafka-port");
    }
    Ports.mustBeFree(mongoPort, "the Mongo-wire store", "--mongo-port");
    Launcher.configureLogging(Launcher.loadResource("jobline-standalone.yml"));
    Path root = inMemory ? Files.createTempDirectory("jobline-infra-") : dataDir.toAbsolutePath();
    if (!inMemory) {
      lock = DataDirLock.take(root);
    }
    EmbeddedMongo mongo =
        EmbeddedMongo.start(
            inMemory ? null : root.resolve("mongo").resolve("jobline.h2"), mongoPort);
    if (storeOnly) {
      CountDownLatch closed = new CountDownLatch(1);
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    mongo.close();
                    closed.countDown();
                  },
                  "jobline-store-shutdown"));
      System.out.printf(
          "Jobline store is up.%n  MONGODB_URI=%s   (store: %s)%n", mongo.uri(), mongo.backend());
      System.out.flush();
      closed.await();
      return 0;
    }
    EmbeddedKafka kafka = EmbeddedKafka.start(root.resolve("kafka"), kafkaPort, controller);
    KafkaSettings settings = new KafkaSettings();
    settings.bootstrapServers = kafka.bootstrapServers();
    TopicSettings topics = new TopicSettings();
    topics.requestPartitions = requestPartitions;
    TopicAdmin.ensureTopics(settings, topics, Topics.all(), Duration.ofSeconds(60));
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  long t0 = System.nanoTime();
                  try {
                    kafka.close();
                    mongo.close();
                    System.err.printf(
                        "jobline: Kafka and the store stopped in %.1f s%n",
                        (System.nanoTime() - t0) / 1e9);
                  } finally {
                    stopped.countDown();
                  }
                },
                "jobline-infra-shutdown"));
    System.out.printf(
        """
        Jobline infra is up.
          KAFKA_BOOTSTRAP_SERVERS=%s
          MONGODB_URI=%s   (store: %s)
        Run each role against it, e.g.:
          KAFKA_BOOTSTRAP_SERVERS=%s MONGODB_URI=%s JOBLINE_PORT=5001 ./jobline api config/jobline.yml
        """,
        kafka.bootstrapServers(),
        mongo.uri(),
        mongo.backend(),
        kafka.bootstrapServers(),
        mongo.uri());
    System.out.flush();
    stopped.await();
    return 0;
  }
}
