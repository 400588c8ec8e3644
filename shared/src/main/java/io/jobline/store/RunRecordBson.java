package io.jobline.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.run.Attempt;
import io.jobline.run.LogEntry;
import io.jobline.run.RunRecord;
import io.jobline.wire.IsoInstant;
import io.jobline.wire.Json;
import io.jobline.wire.Trigger;
import io.jobline.wire.TriggerType;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.bson.BsonBinaryWriter;
import org.bson.RawBsonDocument;
import org.bson.io.BasicOutputBuffer;

/**
 * A run's document written field by field, the bytes {@link BsonRecords} makes of it (and so the
 * driver's codec of {@link Documents#toDocument}) without Jackson's serializing to tokens and the
 * replay of those tokens in between: a CPU profile of a 100,000-job {@code jobline bench} had 9 %
 * of all samples in {@link BsonRecords#encode}, about half of it in Jackson. A value this does not
 * write the same way (a params or result number other than an int, a long or a double; a null in
 * applied_seq) is left to {@link BsonRecords} ({@code null}), which leaves it to the documents.
 *
 * <p>It writes {@link RunRecord}'s fields in their order; {@code RunRecordBsonTest} fails when the
 * record gains a field this does not write.
 */
final class RunRecordBson {
  private RunRecordBson() {}

  /** The fields of {@link RunRecord} this writes, in order, {@code run_id} as {@code _id}. */
  static final int FIELDS = 21;

  private static final Map<TriggerType, String> TRIGGER_TYPES = new EnumMap<>(TriggerType.class);

  static {
    for (TriggerType t : TriggerType.values()) {
      TRIGGER_TYPES.put(t, Json.mapper().convertValue(t, String.class));
    }
  }

  /** The run's document with {@code extra} after its fields, or null (see above). */
  static RawBsonDocument encode(RunRecord run, Map<String, Object> extra) {
    if (run.runId() == null) {
      return null;
    }
    BasicOutputBuffer out = new BasicOutputBuffer(512);
    try (BsonBinaryWriter w = new BsonBinaryWriter(out)) {
      w.writeStartDocument();
      w.writeString("_id", run.runId().value());
      string(w, "job_name", run.jobName());
      string(w, "tenant_id", run.tenantId());
      if (!topLevelNode(w, "params", run.params())) {
        return null;
      }
      trigger(w, run.trigger());
      if (run.status() != null) {
        w.writeString("status", run.status().wire());
      }
      w.writeInt32("attempt", run.attempt());
      w.writeInt64("epoch", run.epoch());
      string(w, "executor_id", run.executorId());
      date(w, "requested_at", run.requestedAt());
      date(w, "started_at", run.startedAt());
      date(w, "completed_at", run.completedAt());
      if (!topLevelNode(w, "result", run.result())) {
        return null;
      }
      string(w, "error", run.error());
      if (run.progress() != null) {
        w.writeInt32("progress", run.progress());
      }
      string(w, "progress_message", run.progressMessage());
      logs(w, run.logs());
      w.writeBoolean("logs_truncated", run.logsTruncated());
      attempts(w, run.attempts());
      if (run.parentRunId() != null) {
        w.writeString("parent_run_id", run.parentRunId().value());
      }
      if (run.appliedSeq() != null) {
        w.writeStartDocument("applied_seq");
        for (Map.Entry<String, Long> e : run.appliedSeq().entrySet()) {
          if (e.getValue() == null) {
            return null;
          }
          w.writeInt64(e.getKey(), e.getValue());
        }
        w.writeEndDocument();
      }
      for (Map.Entry<String, Object> e : extra.entrySet()) {
        w.writeName(e.getKey());
        if (!BsonRecords.scalar(e.getValue(), w)) {
          return null;
        }
      }
      w.writeEndDocument();
    }
    return new RawBsonDocument(out.toByteArray());
  }

  private static void string(BsonBinaryWriter w, String name, String value) {
    if (value != null) {
      w.writeString(name, value);
    }
  }

  /** A top-level date: a BSON date, as the documents' dates are. */
  private static void date(BsonBinaryWriter w, String name, Instant at) {
    if (at != null) {
      w.writeDateTime(name, at.toEpochMilli());
    }
  }

  /** An instant below the top level: its ISO text, as Jackson writes it. */
  private static void instant(BsonBinaryWriter w, String name, Instant at) {
    if (at != null) {
      w.writeString(name, IsoInstant.format(at));
    }
  }

  private static void trigger(BsonBinaryWriter w, Trigger t) {
    if (t == null) {
      return;
    }
    w.writeStartDocument("trigger");
    if (t.type() != null) {
      w.writeString("type", TRIGGER_TYPES.get(t.type()));
    }
    string(w, "schedule", t.schedule());
    instant(w, "nominal_time", t.nominalTime());
    string(w, "chain_run_id", t.chainRunId());
    string(w, "step", t.step());
    if (t.coalesced() != null) {
      w.writeInt32("coalesced", t.coalesced());
    }
    w.writeEndDocument();
  }

  private static void logs(BsonBinaryWriter w, List<LogEntry> logs) {
    if (logs == null) {
      return;
    }
    w.writeStartArray("logs");
    for (LogEntry line : logs) {
      if (line == null) {
        w.writeNull();
        continue;
      }
      w.writeStartDocument();
      instant(w, "timestamp", line.timestamp());
      string(w, "level", line.level());
      string(w, "message", line.message());
      if (line.percentage() != null) {
        w.writeInt32("percentage", line.percentage());
      }
      w.writeEndDocument();
    }
    w.writeEndArray();
  }

  private static void attempts(BsonBinaryWriter w, List<Attempt> attempts) {
    if (attempts == null) {
      return;
    }
    w.writeStartArray("attempts");
    for (Attempt a : attempts) {
      if (a == null) {
        w.writeNull();
        continue;
      }
      w.writeStartDocument();
      w.writeInt32("attempt", a.attempt());
      w.writeInt64("epoch", a.epoch());
      string(w, "executor_id", a.executorId());
      instant(w, "started_at", a.startedAt());
      instant(w, "ended_at", a.endedAt());
      if (a.status() != null) {
        w.writeString("status", a.status().wire());
      }
      string(w, "error", a.error());
      instant(w, "retry_at", a.retryAt());
      w.writeEndDocument();
    }
    w.writeEndArray();
  }

  /** A top-level JSON value: left out when null, as the record's other nulls are. */
  private static boolean topLevelNode(BsonBinaryWriter w, String name, JsonNode node) {
    if (node == null || node.isNull()) {
      return true;
    }
    w.writeName(name);
    return node(w, node);
  }

  /** Writes a JSON value as its tokens would be written; false for a kind this does not write. */
  private static boolean node(BsonBinaryWriter w, JsonNode node) {
    switch (node.getNodeType()) {
      case OBJECT -> {
        w.writeStartDocument();
        Iterator<Map.Entry<String, JsonNode>> fields = ((ObjectNode) node).fields();
        while (fields.hasNext()) {
          Map.Entry<String, JsonNode> f = fields.next();
          w.writeName(f.getKey());
          if (!node(w, f.getValue())) {
            return false;
          }
        }
        w.writeEndDocument();
      }
      case ARRAY -> {
        w.writeStartArray();
        for (JsonNode e : (ArrayNode) node) {
          if (!node(w, e)) {
            return false;
          }
        }
        w.writeEndArray();
      }
      case STRING -> w.writeString(node.textValue());
      case BOOLEAN -> w.writeBoolean(node.booleanValue());
      case NULL -> w.writeNull();
      case NUMBER -> {
        if (node.isInt()) {
          w.writeInt32(node.intValue());
        } else if (node.isLong()) {
          w.writeInt64(node.longValue());
        } else if (node.isDouble()) {
          w.writeDouble(node.doubleValue());
        } else {
          return false; // a short, a float, a big integer or decimal: as BsonRecords does
        }
      }
      default -> {
        return false; // binary, a Java object, missing
      }
    }
    return true;
  }
}
