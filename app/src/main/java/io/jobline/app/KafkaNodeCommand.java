package io.jobline.app;

import io.jobline.embedded.EmbeddedKafka;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jobline kafka-node}: one node of a multi-node Kafka cluster from the Kafka jars, as {@code
 * jobline chaos} runs it (each node its own OS process, so that one can be killed).
 */
@Command(
    name = "kafka-node",
    hidden = true,
    mixinStandardHelpOptions = true,
    description = "Run one node (broker or controller) of a multi-node Kafka cluster.")
final class KafkaNodeCommand implements Callable<Integer> {
  @Option(
      names = "--data-dir",
      required = true,
      description = "The node's log folder (formatted once).")
  Path dataDir;

  @Option(names = "--node-id", required = true)
  int nodeId;

  @Option(
      names = "--roles",
      defaultValue = "broker",
      description = "broker or controller (default: ${DEFAULT-VALUE}).")
  String roles;

  @Option(
      names = "--port",
      required = true,
      description = "The broker's (or the controller's) port.")
  int port;

  @Option(
      names = "--voters",
      required = true,
      description = "The controller quorum, id@host:port,...")
  String voters;

  @Option(names = "--cluster-id", required = true)
  String clusterId;

  @Option(
      names = "--replication",
      defaultValue = "3",
      description = "Replicas of internal topics (default: ${DEFAULT-VALUE}).")
  int replication;

  @Override
  public Integer call() throws Exception {
    if (!roles.equals("broker") && !roles.equals("controller")) {
      throw new CommandLine.ParameterException(
          new CommandLine(this), "--roles must be broker or controller, not '" + roles + "'");
    }
    Launcher.configureLogging(Launcher.loadResource("jobline-standalone.yml"));
    EmbeddedKafka node =
        EmbeddedKafka.startNode(
            dataDir.toAbsolutePath(),
            port,
            new EmbeddedKafka.ClusterNode(nodeId, roles, voters, clusterId, replication));
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  node.close();
                  stopped.countDown();
                },
                "jobline-kafka-node-shutdown"));
    System.out.println("Kafka " + roles + " " + nodeId + " is up on port " + port);
    System.out.flush();
    stopped.await();
    return 0;
  }
}
