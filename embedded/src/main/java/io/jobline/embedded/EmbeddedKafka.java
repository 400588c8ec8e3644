package io.jobline.embedded;

import java.io.OutputStream;
import java.io.PrintStream;
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
  private final Scram scram;
  private final ClusterNode node;
  private KafkaRaftServer server;

  /**
   * One node of a multi-node cluster: {@code roles} is {@code broker} or {@code controller}; every
   * node of a cluster names the same {@code voters} ({@code id@host:port,...}) and {@code
   * clusterId}; internal topics get {@code replication} replicas (min in-sync one less, at least
   * 1).
   */
  public record ClusterNode(
      int nodeId, String roles, String voters, String clusterId, int replication) {}

  /**
   * A SCRAM-SHA-256 user the broker knows from the start, for clients on a SASL_PLAINTEXT listener.
   */
  public record Scram(String user, String password, int internalPort) {}

  private EmbeddedKafka(Path dir, int port, int controllerPort, Scram scram, ClusterNode node) {
    this.dir = dir;
    this.port = port;
    this.controllerPort = controllerPort;
    this.scram = scram;
    this.node = node;
  }

  /**
   * Starts one node of a multi-node cluster (as {@code jobline chaos} runs it): a broker listening
   * on {@code port}, or a controller listening on {@code port} for the quorum.
   */
  public static EmbeddedKafka startNode(Path dir, int port, ClusterNode node) {
    EmbeddedKafka kafka = new EmbeddedKafka(dir, port, port, null, node);
    kafka.startServer();
    return kafka;
  }

  /**
   * Starts a broker listening on {@code port} (0 picks a free one), its controller on another port.
   *
   * @throws EmbeddedInfraException naming the port or folder when it cannot start
   */
  public static EmbeddedKafka start(Path dir, int port, int controllerPort) {
    int brokerPort = port == 0 ? freePort() : port;
    int ctlPort = controllerPort == 0 ? freePort() : controllerPort;
    EmbeddedKafka kafka = new EmbeddedKafka(dir, brokerPort, ctlPort, null, null);
    kafka.startServer();
    return kafka;
  }

  /**
   * Starts a broker whose clients must authenticate: a SASL_PLAINTEXT listener on {@code port}
   * taking SCRAM-SHA-256 with {@code user} and {@code password} (created when the folder is
   * formatted), as secured clusters are run; the broker talks to itself on a plaintext port.
   */
  public static EmbeddedKafka startScram(
      Path dir, int port, int controllerPort, String user, String password) {
    int brokerPort = port == 0 ? freePort() : port;
    int ctlPort = controllerPort == 0 ? freePort() : controllerPort;
    EmbeddedKafka kafka =
        new EmbeddedKafka(dir, brokerPort, ctlPort, new Scram(user, password, freePort()), null);
    kafka.startServer();
    return kafka;
  }

  private void startServer() {
    try {
      Files.createDirectories(dir);
      Properties props = new Properties();
      props.put("process.roles", node == null ? "broker,controller" : node.roles());
      props.put("node.id", Integer.toString(nodeId()));
      props.put(
          "controller.quorum.voters",
          node == null ? "1@localhost:" + controllerPort : node.voters());
      int replication = node == null ? 1 : node.replication();
      String minIsr = Integer.toString(Math.max(1, replication - 1));
      if (node != null && node.roles().equals("controller")) {
        props.put("listeners", "CONTROLLER://localhost:" + port);
        props.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT");
      } else if (node != null) {
        props.put("listeners", "PLAINTEXT://localhost:" + port);
        props.put("advertised.listeners", "PLAINTEXT://localhost:" + port);
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
      } else if (scram == null) {
        props.put(
            "listeners",
            "PLAINTEXT://localhost:" + port + ",CONTROLLER://localhost:" + controllerPort);
        props.put("advertised.listeners", "PLAINTEXT://localhost:" + port);
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
      } else {
        props.put(
            "listeners",
            "SASL_PLAINTEXT://localhost:"
                + port
                + ",PLAINTEXT://localhost:"
                + scram.internalPort()
                + ",CONTROLLER://localhost:"
                + controllerPort);
        props.put(
            "advertised.listeners",
            "SASL_PLAINTEXT://localhost:"
                + port
                + ",PLAINTEXT://localhost:"
                + scram.internalPort());
        props.put(
            "listener.security.protocol.map",
            "SASL_PLAINTEXT:SASL_PLAINTEXT,PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        props.put("sasl.enabled.mechanisms", "SCRAM-SHA-256");
        props.put(
            "listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config",
            "org.apache.kafka.common.security.scram.ScramLoginModule required;");
      }
      props.put("controller.listener.names", "CONTROLLER");
      if (node == null || !node.roles().equals("controller")) {
        props.put("inter.broker.listener.name", "PLAINTEXT");
      }
      props.put("log.dirs", dir.toAbsolutePath().toString());
      props.put("offsets.topic.replication.factor", Integer.toString(replication));
      props.put("offsets.topic.num.partitions", "12");
      props.put("transaction.state.log.replication.factor", Integer.toString(replication));
      props.put("transaction.state.log.min.isr", minIsr);
      props.put("transaction.state.log.num.partitions", "12");
      props.put("share.coordinator.state.topic.replication.factor", Integer.toString(replication));
      props.put("share.coordinator.state.topic.min.isr", minIsr);
      if (node != null) {
        props.put("default.replication.factor", Integer.toString(replication));
        props.put("min.insync.replicas", minIsr);
      }
      props.put("group.initial.rebalance.delay.ms", "0");
      // an executor reads past one tenant's burst while it moves the burst aside; what finished
      // above the committed offset meanwhile rides in the commit's metadata (FinishedOffsets), and
      // 64 KiB carry ~390,000 offsets where Kafka's default 4 KiB carry ~24,000
      props.put("offset.metadata.max.bytes", "65536");
      props.put("num.partitions", "1");
      // the log cleaner's offset map is one heap buffer of this size, taken at start whether or not
      // anything is compacted: Kafka's default, 128 MiB, was an eighth of the 1 GiB heap that
      // broker, store and every role share; 16 MiB still maps ~600,000 keys per cleaning pass
      props.put("log.cleaner.dedupe.buffer.size", Integer.toString(16 * 1024 * 1024));
      props.put("log.retention.hours", "168");
      props.put("auto.create.topics.enable", "true");
      KafkaConfig config = KafkaConfig.fromProps(props, false);
      if (!Files.exists(dir.resolve("meta.properties"))) {
        new Formatter()
            .setNodeId(nodeId())
            .setClusterId(node == null ? Uuid.randomUuid().toString() : node.clusterId())
            .setDirectories(List.of(dir.toAbsolutePath().toString()))
            .setMetadataLogDirectory(dir.toAbsolutePath().toString())
            .setControllerListenerName("CONTROLLER")
            .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
            .setReleaseVersion(MetadataVersion.latestProduction())
            .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
            .setScramArguments(
                scram == null
                    ? List.of()
                    : List.of(
                        "SCRAM-SHA-256=[name="
                            + scram.user()
                            + ",password="
                            + scram.password()
                            + "]"))
            .run();
      }
      server = new KafkaRaftServer(config, Time.SYSTEM);
      server.startup();
    } catch (Exception e) {
      throw new EmbeddedInfraException(
          "Kafka could not start on port "
              + port
              + " with data in "
              + dir.toAbsolutePath()
              + ": "
              + e.getMessage()
              + " (is the port in use? pick another with --kafka-port)",
          e);
    }
  }

  private int nodeId() {
    return node == null ? 1 : node.nodeId();
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

  /** A port nothing listens on now (for a broker started later on it): see {@link FreePorts}. */
  public static int freePort() {
    return FreePorts.take();
  }
}
