package io.jobline.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.run.Attempt;
import io.jobline.run.LogEntry;
import io.jobline.run.RunOptions;
import io.jobline.run.RunRecord;
import io.jobline.wire.IsoInstant;
import io.jobline.wire.Json;
import io.jobline.wire.Scope;
import io.jobline.wire.Trigger;
import io.jobline.wire.TriggerType;
import java.time.Instant;
import java.util.Date;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.bson.RawBsonDocument;

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
  static final int FIELDS = 22;

  private static final Map<TriggerType, String> TRIGGER_TYPES = new EnumMap<>(TriggerType.class);

  private static final Map<Scope, String> SCOPES = new EnumMap<>(Scope.class);

  static {
    for (TriggerType t : TriggerType.values()) {
      TRIGGER_TYPES.put(t, Json.mapper().convertValue(t, String.class));
    }
    for (Scope s : Scope.values()) {
      SCOPES.put(s, Json.mapper().convertValue(s, String.class));
    }
  }

  /** The run's document with {@code extra} after its fields, or null (see above). */
  static RawBsonDocument encode(RunRecord run, Map<String, Object> extra) {
    if (run.runId() == null) {
      return null;
    }
    BsonBytes w = new BsonBytes().start();
    w.string("_id", run.runId().value());
    string(w, "job_name", run.jobName());
    string(w, "tenant_id", run.tenantId());
    if (!topLevelNode(w, "params", run.params())) {
      return null;
    }
    trigger(w, run.trigger());
    if (run.status() != null) {
      w.string("status", run.status().wire());
    }
    w.int32("attempt", run.attempt());
    w.int64("epoch", run.epoch());
    string(w, "executor_id", run.executorId());
    date(w, "requested_at", run.requestedAt());
    date(w, "started_at", run.startedAt());
    date(w, "completed_at", run.completedAt());
    if (!topLevelNode(w, "result", run.result())) {
      return null;
    }
    string(w, "error", run.error());
    int32(w, "progress", run.progress());
    string(w, "progress_message", run.progressMessage());
    logs(w, run.logs());
    w.bool("logs_truncated", run.logsTruncated());
    attempts(w, run.attempts());
    if (run.parentRunId() != null) {
      w.string("parent_run_id", run.parentRunId().value());
    }
    if (run.appliedSeq() != null) {
      w.startDocument("applied_seq");
      for (Map.Entry<String, Long> e : run.appliedSeq().entrySet()) {
        if (e.getValue() == null) {
          return null;
        }
        w.int64(e.getKey(), e.getValue());
      }
      w.end();
    }
    options(w, run.options());
    for (Map.Entry<String, Object> e : extra.entrySet()) {
      if (!scalar(w, e.getKey(), e.getValue())) {
        return null;
      }
    }
    w.end();
    return new RawBsonDocument(w.bytes());
  }

  /** An extra value as the driver's codec for its class writes it; false for another class. */
  private static boolean scalar(BsonBytes w, String name, Object x) {
    if (x instanceof Integer i) {
      w.int32(name, i);
    } else if (x instanceof Long l) {
      w.int64(name, l);
    } else if (x instanceof Double d) {
      w.dbl(name, d);
    } else if (x instanceof String s) {
      w.string(name, s);
    } else if (x instanceof Date d) {
      w.dateTime(name, d.getTime());
    } else {
      return false;
    }
    return true;
  }

  private static void options(BsonBytes w, RunOptions options) {
    if (options == null) {
      return;
    }
    w.startDocument("options");
    if (options.scope() != null) {
      w.string("scope", SCOPES.get(options.scope()));
    }
    int32(w, "timeout_seconds", options.timeoutSeconds());
    int32(w, "retry_backoff_seconds", options.retryBackoffSeconds());
    int32(w, "retry_backoff_cap_seconds", options.retryBackoffCapSeconds());
    w.end();
  }

  private static void int32(BsonBytes w, String name, Integer value) {
    if (value != null) {
      w.int32(name, value);
    }
  }

  private static void string(BsonBytes w, String name, String value) {
    if (value != null) {
      w.string(name, value);
    }
  }

  /** A top-level date: a BSON date, as the documents' dates are. */
  private static void date(BsonBytes w, String name, Instant at) {
    if (at != null) {
      w.dateTime(name, at.toEpochMilli());
    }
  }

  /** An instant below the top level: its ISO text, as Jackson writes it. */
  private static void instant(BsonBytes w, String name, Instant at) {
    if (at != null) {
      w.string(name, IsoInstant.format(at));
    }
  }

  private static void trigger(BsonBytes w, Trigger t) {
    if (t == null) {
      return;
    }
    w.startDocument("trigger");
    if (t.type() != null) {
      w.string("type", TRIGGER_TYPES.get(t.type()));
    }
    string(w, "schedule", t.schedule());
    instant(w, "nominal_time", t.nominalTime());
    string(w, "chain_run_id", t.chainRunId());
    string(w, "step", t.step());
    int32(w, "coalesced", t.coalesced());
    w.end();
  }

  private static void logs(BsonBytes w, List<LogEntry> logs) {
    array(
        w,
        "logs",
        logs,
        line -> {
          instant(w, "timestamp", line.timestamp());
          string(w, "level", line.level());
          string(w, "message", line.message());
          int32(w, "percentage", line.percentage());
        });
  }

  private static void attempts(BsonBytes w, List<Attempt> attempts) {
    array(
        w,
        "attempts",
        attempts,
        a -> {
          w.int32("attempt", a.attempt());
          w.int64("epoch", a.epoch());
          string(w, "executor_id", a.executorId());
          instant(w, "started_at", a.startedAt());
          instant(w, "ended_at", a.endedAt());
          if (a.status() != null) {
            w.string("status", a.status().wire());
          }
          string(w, "error", a.error());
          instant(w, "retry_at", a.retryAt());
        });
  }

  /** A list of records as an array of documents ({@code fields} writes one's), a null as null. */
  private static <T> void array(BsonBytes w, String name, List<T> list, Consumer<T> fields) {
    if (list == null) {
      return;
    }
    w.startArray(name);
    int i = 0;
    for (T element : list) {
      String index = BsonBytes.index(i++);
      if (element == null) {
        w.nul(index);
        continue;
      }
      w.startDocument(index);
      fields.accept(element);
      w.end();
    }
    w.end();
  }

  /** A top-level JSON value: left out when null, as the record's other nulls are. */
  private static boolean topLevelNode(BsonBytes w, String name, JsonNode node) {
    return node == null || node.isNull() || node(w, name, node);
  }

  /** Writes a JSON value as its tokens would be written; false for a kind this does not write. */
  private static boolean node(BsonBytes w, String name, JsonNode node) {
    switch (node.getNodeType()) {
      case OBJECT -> {
        w.startDocument(name);
        Iterator<Map.Entry<String, JsonNode>> fields = ((ObjectNode) node).fields();
        while (fields.hasNext()) {
          Map.Entry<String, JsonNode> f = fields.next();
          if (!node(w, f.getKey(), f.getValue())) {
            return false;
          }
        }
        w.end();
      }
      case ARRAY -> {
        w.startArray(name);
        int i = 0;
        for (JsonNode e : (ArrayNode) node) {
          if (!node(w, BsonBytes.index(i++), e)) {
            return false;
          }
        }
        w.end();
      }
      case STRING -> w.string(name, node.textValue());
      case BOOLEAN -> w.bool(name, node.booleanValue());
      case NULL -> w.nul(name);
      case NUMBER -> {
        if (node.isInt()) {
          w.int32(name, node.intValue());
        } else if (node.isLong()) {
          w.int64(name, node.longValue());
        } else if (node.isDouble()) {
          w.dbl(name, node.doubleValue());
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
