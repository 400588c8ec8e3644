package io.jobline.embedded;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A real single-node Kafka (KRaft, combined broker and controller) in this JVM, keeping its log
 * under a folder. The folder is formatted once; starting again on it keeps every record.
 */
public final class EmbeddedKafka implements AutoCloseable {
  private final Path dir;
  private final int port;
  private final int controllerPort;
  private KafkaRaftServer server;

  private EmbeddedKafka(Path dir, int port, int controllerPort) {
    this.dir = dir;
    this.port = port;
    this.controllerPort = controllerPort;
  }

  /**
   * Starts a broker listening on {@code port} (0 picks a free one), its controller on another port.
   *
   * @throws EmbeddedInfraException naming the port or folder when it cannot start
   */
  public static EmbeddedKafka start(Path dir, int port, int controllerPort) {
    int brokerPort = port == 0 ? freePort() : port;
    int ctlPort = controllerPort == 0 ? freePort() : controllerPort;
    EmbeddedKafka kafka = new EmbeddedKafka(dir, brokerPort, ctlPort);
    kafka.startServer();
    return kafka;
  }

  private void startServer() {
    try {
      Files.createDirectories(dir);
      Properties props = new Properties();
      props.put("process.roles", "broker,controller");
      props.put("node.id", "1");
      props.put("controller.quorum.voters", "1@localhost:" + controllerPort);
      props.put("listeners", "PLAINTEXT://localhost:" + port + ",CONTROLLER://localhost:" + controllerPort);
      props.put("advertised.listeners", "PLAINTEXT://localhost:" + port);
      props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
      props.put("controller.listener.names", "CONTROLLER");
      props.put("inter.broker.listener.name", "PLAINTEXT");
      props.put("log.dirs", dir.toAbsolutePath().toString());
      props.put("offsets.topic.replication.factor", "1");
      props.put("offsets.topic.num.partitions", "12");
      props.put("transaction.state.log.replication.factor", "1");
      props.put("transaction.state.log.min.isr", "1");
      props.put("transaction.state.log.num.partitions", "12");
      props.put("share.coordinator.state.topic.replication.factor", "1");
      props.put("share.coordinator.state.topic.min.isr", "1");
      props.put("group.initial.rebalance.delay.ms", "0");
      props.put("num.partitions", "1");
      props.put("log.retention.hours", "168");
      props.put("auto.create.topics.enable", "true");
      KafkaConfig config = KafkaConfig.fromProps(props, false);
      if (!Files.exists(dir.resolve("meta.properties"))) {
        new Formatter()
            .setNodeId(1)
            .setClusterId(Uuid.randomUuid().toString())
            .setDirectories(List.of(dir.toAbsolutePath().toString()))
            .setMetadataLogDirectory(dir.toAbsolutePath().toString())
            .setControllerListenerName("CONTROLLER")
            .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
            .setReleaseVersion(MetadataVersion.latestProduction())
            .setPrintStream(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()))
            .run();
      }
      server = new KafkaRaftServer(config, Time.SYSTEM);
      server.startup();
    } catch (Exception e) {
      throw new EmbeddedInfraException("Kafka could not start on port " + port + " with data in "
          + dir.toAbsolutePath() + ": " + e.getMessage() + " (is the port in use? pick another with --kafka-port)", e);
    }
  }

  public String bootstrapServers() {
    return "localhost:" + port;
  }

  public int port() {
    return port;
  }

  @Override
  public void close() {
    if (server != null) {
      server.shutdown();
      server.awaitShutdown();
      server = null;
    }
  }

  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new EmbeddedInfraException("no free port: " + e.getMessage(), e);
    }
  }
}
