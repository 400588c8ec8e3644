package io.jobline.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.STRING;
import static org.awaitility.Awaitility.await;

import io.jobline.topic.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jobline history rebuild}, run as README shows it, against a standalone. */
class HistoryRebuildCliTest {
  /**
   * A standalone of this class's own: a rebuild reads every topic from its start, and each of this
   * class's three rebuilds of the shared standalone replayed all the suite wrote before it (the
   * class took 56-119 s in CI runs; 27 s with its own standalone, its start included).
   */
  private static Standalone own;

  @BeforeAll
  static void start() throws Exception {
    own = Standalone.start(SharedStandalone.options());
  }

  @AfterAll
  static void stop() throws Exception {
    own.close();
  }

  private static final Pattern LAST_LINE =
      Pattern.compile(
          "rebuilt \\d+ runs from \\d+ records into '[^']+'; (\\d+) records were gone to retention"
              + " before it; (\\d+) set aside \\(sent to no dead-letter topic: .*\\)");

  @TempDir Path dir;

  /** A role's config file pointing at the standalone's Kafka and MongoDB. */
  private Path config() throws Exception {
    Standalone s = own;
    Path file = dir.resolve("jobline.yml");
    Files.writeString(
        file,
        "kafka:\n  bootstrapServers: "
            + s.bootstrapServers()
            + "\nmongo:\n  uri: \""
            + s.mongoUri()
            + "\"\ntopics:\n  replicationFactor: 1\n");
    return file;
  }

  private static Matcher lastLine(CliTest.Outcome o) {
    Matcher m = LAST_LINE.matcher(o.out().strip());
    assertThat(m.matches()).as(o.out() + o.err()).isTrue();
    return m;
  }

  @Test
  void theDocumentedCommandRebuildsAgainAndAgainAndAddsNothingToTheLiveDeadLetters()
      throws Exception {
    // found by review: each rebuild sent every record history had set aside to
    // jobline.history.dlq again, and the live dead letters recorded each copy under a new id
    Path config = config();
    Map<String, Object> kafka = own.config().kafka.clientProperties();
    long before = deadLetterEnds(kafka);
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(kafka, new StringSerializer(), new ByteArraySerializer())) {
      producer
          .send(
              new ProducerRecord<>(
                  Topics.EVENTS.name(),
                  "rebuild-unreadable",
                  "not JSON".getBytes(StandardCharsets.UTF_8)))
          .get(10, TimeUnit.SECONDS);
    }
    // set aside by the live history, its transaction committed
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                deadLetterEnds(kafka, IsolationLevel.READ_COMMITTED) > before
                    && deadLetterEnds(kafka, IsolationLevel.READ_COMMITTED)
                        == deadLetterEnds(kafka));
    long live = deadLetterEnds(kafka);

    for (int i = 0; i < 2; i++) {
      CliTest.Outcome o =
          CliTest.jobline(
              "history",
              "rebuild",
              config.toString(),
              "--database",
              "rebuilt_" + System.nanoTime(),
              "--timeout",
              "2");

      assertThat(o.code()).as(o.err()).isZero();
      assertThat(deadLetterEnds(kafka))
          .as("the live dead letters after rebuild %d", i)
          .isEqualTo(live);
      assertThat(Long.parseLong(lastLine(o).group(2))).as("counted as set aside").isPositive();
    }
  }

  @Test
  void aRebuildFinishesWhenAPartitionsRecordsAreAllGone() throws Exception {
    // found by review: a partition whose records had aged out (or were deleted) was counted from
    // offset 0; Streams commits nothing for it, so the rebuild never caught up and timed out
    Path config = config();
    Standalone s = own;
    Http http = new Http(s.apiUrl());
    String id =
        http.post("/jobs/run/noop", "{\"tenant_id\":\"gone\",\"params\":{}}")
            .body()
            .path("run_id")
            .asText();
    EndToEndTest.awaitRun(http, id, "completed");
    long deleted;
    try (Admin admin = Admin.create(s.config().kafka.clientProperties())) {
      Map<TopicPartition, Long> ends = ends(admin, Topics.REQUESTS.name());
      TopicPartition gone = new TopicPartition(Topics.REQUESTS.name(), 7);
      if (ends.getOrDefault(gone, 0L) == 0) {
        gone = ends.entrySet().stream().filter(e -> e.getValue() > 0).findFirst().get().getKey();
      }
      deleted = ends.get(gone);
      admin
          .deleteRecords(Map.of(gone, RecordsToDelete.beforeOffset(deleted)))
          .all()
          .get(10, TimeUnit.SECONDS);
    }

    CliTest.Outcome o =
        CliTest.jobline(
            "history",
            "rebuild",
            config.toString(),
            "--database",
            "rebuilt_" + System.nanoTime(),
            "--timeout",
            "1");

    assertThat(o.code()).as(o.err()).isZero();
    assertThat(Long.parseLong(lastLine(o).group(1))).isGreaterThanOrEqualTo(deleted);
  }

  @Test
  void historyTakesItsConfigOrARebuildAndRefusesBadRebuildOptionsNamingThem() throws Exception {
    String config = config().toString();

    CliTest.Outcome noConfig = CliTest.jobline("history");
    CliTest.Outcome slash = CliTest.jobline("history", "rebuild", config, "--database", "a/b");
    CliTest.Outcome empty = CliTest.jobline("history", "rebuild", config, "--database", "");
    CliTest.Outcome noTime =
        CliTest.jobline("history", "rebuild", config, "--database", "ok", "--timeout", "0");
    CliTest.Outcome help = CliTest.jobline("history", "--help");

    assertThat(noConfig.code()).isEqualTo(ExitCode.INVALID);
    assertThat(noConfig.err()).contains("Missing required parameter: 'CONFIG'");
    assertThat(slash.code()).isEqualTo(ExitCode.INVALID);
    assertThat(slash.err().lines()).singleElement(STRING).contains("--database 'a/b'", "'/'");
    assertThat(empty.code()).isEqualTo(ExitCode.INVALID);
    assertThat(empty.err()).contains("--database", "empty");
    assertThat(noTime.code()).isEqualTo(ExitCode.INVALID);
    assertThat(noTime.err()).contains("--timeout must be at least 1");
    assertThat(help.code()).isZero();
    assertThat(help.out()).contains("[CONFIG]", "history rebuild CONFIG --database NAME");
  }

  /** How many records the history dead-letter topic holds, markers included: what is recorded. */
  private static long deadLetterEnds(Map<String, Object> kafka) throws Exception {
    return deadLetterEnds(kafka, IsolationLevel.READ_UNCOMMITTED);
  }

  /** The same, up to the first open transaction when {@code isolation} is read-committed. */
  private static long deadLetterEnds(Map<String, Object> kafka, IsolationLevel isolation)
      throws Exception {
    try (Admin admin = Admin.create(kafka)) {
      return ends(admin, Topics.HISTORY_DLQ.name(), isolation).values().stream()
          .mapToLong(Long::longValue)
          .sum();
    }
  }

  private static Map<TopicPartition, Long> ends(Admin admin, String topic) throws Exception {
    return ends(admin, topic, IsolationLevel.READ_UNCOMMITTED);
  }

  private static Map<TopicPartition, Long> ends(Admin admin, String topic, IsolationLevel isolation)
      throws Exception {
    Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
    admin
        .describeTopics(List.of(topic))
        .allTopicNames()
        .get(10, TimeUnit.SECONDS)
        .get(topic)
        .partitions()
        .forEach(p -> specs.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
    Map<TopicPartition, Long> out = new HashMap<>();
    admin
        .listOffsets(specs, new ListOffsetsOptions(isolation))
        .all()
        .get(10, TimeUnit.SECONDS)
        .forEach((tp, info) -> out.put(tp, info.offset()));
    return out;
  }
}
