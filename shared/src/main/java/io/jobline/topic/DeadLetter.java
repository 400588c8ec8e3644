package io.jobline.topic;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunId;
import io.jobline.wire.Salvage;
import io.jobline.wire.Secrets;
import io.jobline.wire.WireLimits;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * A record on a dead-letter topic, as {@code job_dead_letters} keeps it: where it lies, why it is
 * there, where it came from, what it held (as text), whose it is, every time it was redriven, and,
 * for a request, what became of its run ({@code runOutcome}: one of {@link #RUN_FAILED}, {@link
 * #RUN_ELSEWHERE} and {@link #RUN_NONE}; null where the executor did not say, as before it did).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DeadLetter(
    String id,
    String topic,
    int partition,
    long offset,
    Instant time,
    String reason,
    String source,
    String sourceTopic,
    Integer sourcePartition,
    Long sourceOffset,
    String key,
    String tenantId,
    String jobName,
    String runId,
    String value,
    boolean valueTruncated,
    List<Redrive> redrives,
    String runOutcome) {

  /**
   * {@link #runOutcome} of a request the executor ended failed with this dead letter's reason:
   * history shows the failure once it has read it.
   */
  public static final String RUN_FAILED = "failed";

  /**
   * {@link #runOutcome} of a copy of a request whose run attempt went on from another copy (a
   * partition's previous owner ran it, or a good copy runs here).
   */
  public static final String RUN_ELSEWHERE = "elsewhere";

  /**
   * {@link #runOutcome} of a record no run was started or ended for (it names no job, or a run id
   * no run can be stored under): history will never show a run of it.
   */
  public static final String RUN_NONE = "none";

  /**
   * At most this much of a record's value is kept (a larger one can be redriven only corrected).
   */
  public static final int MAX_VALUE_CHARS = 256 * 1024;

  /**
   * One redrive: when, by whom, the run it requested (and its attempt), and whether the record was
   * corrected.
   */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record Redrive(Instant at, String by, String runId, int attempt, boolean corrected) {}

  /**
   * The id of the record at {@code offset} of {@code partition} of {@code topic}: {@code
   * topic:partition:offset}.
   */
  public static String idOf(String topic, int partition, long offset) {
    return topic + ":" + partition + ":" + offset;
  }

  /**
   * The dead letter a record of {@code jobline.requests.dlq} or {@code jobline.history.dlq} stands
   * for.
   */
  public static DeadLetter of(ConsumerRecord<byte[], byte[]> record) {
    String reason = header(record, Topics.DLQ_REASON_HEADER);
    String source = header(record, Topics.DLQ_SOURCE_HEADER);
    String sourceTopic = null;
    Integer sourcePartition = null;
    Long sourceOffset = null;
    if (source != null) {
      String[] parts = source.split("/");
      sourceTopic = parts[0];
      if (parts.length == 3) {
        try {
          sourcePartition = Integer.parseInt(parts[1]);
          sourceOffset = Long.parseLong(parts[2]);
        } catch (NumberFormatException e) {
          sourcePartition = null;
          sourceOffset = null;
        }
      }
    }
    String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
    Map<String, String> ids = Salvage.texts(record.value());
    String tenant = ids.get("tenant_id");
    if (tenant == null
        && record.topic().equals(Topics.REQUESTS_DLQ.name())
        && key != null
        && !key.equals(JobRequest.SYSTEM_TENANT)) {
      tenant = key; // requests are keyed by tenant
    }
    String runId = ids.get("run_id");
    if (runId == null && record.topic().equals(Topics.HISTORY_DLQ.name())) {
      runId = key; // set-aside runs are keyed by run id
    } else if (runId == null
        && sourceOffset != null
        && Topics.REQUESTS.name().equals(sourceTopic)) {
      // the id the executor gave a request without one, from where it lay
      runId = RunId.forRecord(sourceTopic, sourcePartition, sourceOffset).value();
    }
    String text =
        record.value() == null
            ? null
            : withoutSecrets(new String(record.value(), StandardCharsets.UTF_8));
    boolean truncated = text != null && text.length() > MAX_VALUE_CHARS;
    return new DeadLetter(
        idOf(record.topic(), record.partition(), record.offset()),
        record.topic(),
        record.partition(),
        record.offset(),
        record.timestamp() < 0 ? null : Instant.ofEpochMilli(record.timestamp()),
        Secrets.redact(reason),
        source,
        sourceTopic,
        sourcePartition,
        sourceOffset,
        key,
        tenant,
        ids.get("job_name"),
        runId,
        truncated ? text.substring(0, MAX_VALUE_CHARS) : text,
        truncated,
        List.of(),
        record.topic().equals(Topics.REQUESTS_DLQ.name())
            ? header(record, Topics.DLQ_RUN_HEADER)
            : null);
  }

  /**
   * The record with the secrets it holds redacted ({@link Secrets}): as JSON where it reads as JSON
   * within the limits, else as text. Jobline keeps no secret, so such a record is redriven
   * corrected.
   */
  static String withoutSecrets(String text) {
    try {
      JsonNode node = Json.mapper().readTree(text);
      if (node != null && node.isContainerNode() && WireLimits.check("record", node).isEmpty()) {
        JsonNode redacted = Secrets.redact(node);
        return redacted.equals(node) ? text : Json.mapper().writeValueAsString(redacted);
      }
    } catch (IOException | RuntimeException notJson) {
      // redacted as text below
    }
    return Secrets.redact(text);
  }

  /** Whether it was redriven at least once. */
  public boolean redriven() {
    return redrives != null && !redrives.isEmpty();
  }

  private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
    Header h = record.headers().lastHeader(name);
    return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }
}
