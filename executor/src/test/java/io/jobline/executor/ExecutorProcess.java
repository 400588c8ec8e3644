package io.jobline.executor;

import static org.awaitility.Awaitility.await;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import io.jobline.topic.KafkaSettings;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * An executor in a JVM of its own, for tests that kill it as kill -9 would: no drain, no commit, no
 * further events, its leases left to run out. The test's class path is the child's, so it runs the
 * same jobs as {@link ExecutorHarness}; its output goes to a file the test can read.
 */
final class ExecutorProcess implements AutoCloseable {
  private final Process process;
  private final Path log;

  private ExecutorProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  static ExecutorProcess start(String bootstrapServers, String mongoUri, String id)
      throws IOException {
    Path log = Files.createTempFile("executor-" + id, ".log");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p =
        new ProcessBuilder(
                List.of(
                    java,
                    "-Xmx256m",
                    "-cp",
                    System.getProperty("java.class.path"),
                    ExecutorProcess.class.getName(),
                    bootstrapServers,
                    mongoUri,
                    id))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    ExecutorProcess started = new ExecutorProcess(p, log);
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> !p.isAlive() || Files.readString(log).contains(READY));
    if (!p.isAlive()) {
      throw new IllegalStateException(
          "executor " + id + " did not start:\n" + Files.readString(log));
    }
    return started;
  }

  private static final String READY = "executor process polling";

  /** Kills the process at once (SIGKILL) and waits until it is gone. */
  void kill() throws InterruptedException {
    process.destroyForcibly().waitFor();
  }

  /** Freezes the process (SIGSTOP), as a long GC pause or a stopped VM would. */
  void freeze() throws IOException, InterruptedException {
    signal("STOP");
  }

  /** Lets a frozen process go on (SIGCONT), its clock moved on meanwhile. */
  void thaw() throws IOException, InterruptedException {
    signal("CONT");
  }

  private void signal(String name) throws IOException, InterruptedException {
    int exit =
        new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start().waitFor();
    if (exit != 0) {
      throw new IllegalStateException("kill -" + name + " " + process.pid() + " exited " + exit);
    }
  }

  @Override
  public void close() throws InterruptedException {
    kill();
    new File(log.toString()).delete();
  }

  /** The child: an executor of the harness's shape that runs until it is killed. */
  public static void main(String[] args) throws Exception {
    KafkaSettings kafka = new KafkaSettings();
    kafka.bootstrapServers = args[0];
    MongoClient client = MongoClients.create(args[1]);
    ExecutorParts parts = ExecutorHarness.parts(client.getDatabase("jobline"));
    Executor executor =
        new Executor(
            kafka,
            ExecutorHarness.settings(args[2]),
            ExecutorHarness.jobs(),
            parts,
            Clock.systemUTC());
    executor.start();
    await().atMost(Duration.ofSeconds(60)).until(executor::isPolling);
    System.out.println(READY);
    Thread.currentThread().join();
  }
}
