package io.jobline.history;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BinaryNode;
import io.jobline.run.Attempt;
import io.jobline.run.LogEntry;
import io.jobline.run.RunRecord;
import io.jobline.wire.Trigger;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Map;

/**
 * About how many bytes of the Java heap a JSON value (a run's params) takes as Jackson's tree: an
 * estimate from the nodes' kinds and their text's lengths, to bound by bytes what history keeps in
 * memory. A run's params may be up to the largest request the topic takes: a count alone let a
 * burst of runs with 60 KB params each (20,000 of them, within the api's 64 KB limit) fill a 1 GB
 * heap.
 */
final class JsonWeight {
  /** A node's object header and fields (Jackson's value nodes are small objects). */
  private static final int NODE = 24;

  /** A string's object and its byte array's header, besides its characters. */
  private static final int STRING = 40;

  /** A field of an object node: its map entry and its slot in the table. */
  private static final int FIELD = 48;

  private JsonWeight() {}

  /** The estimate for {@code value} (0 for none), without recursion: a value may be deep. */
  static long of(JsonNode value) {
    if (value == null) {
      return 0;
    }
    long bytes = 0;
    Deque<JsonNode> todo = new ArrayDeque<>();
    todo.push(value);
    while (!todo.isEmpty()) {
      JsonNode n = todo.pop();
      bytes += NODE;
      if (n.isTextual()) {
        bytes += text(n.textValue());
      } else if (n.isObject()) {
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          bytes += FIELD + text(e.getKey());
          todo.push(e.getValue());
        }
      } else if (n.isArray()) {
        for (JsonNode element : n) {
          bytes += 8; // its slot in the list
          todo.push(element);
        }
      } else if (n instanceof BinaryNode binary) {
        bytes += STRING + binary.binaryValue().length;
      } else if (n.isBigInteger() || n.isBigDecimal()) {
        bytes += STRING + n.asText().length();
      }
    }
    return bytes;
  }

  /** A run's record, its object and the fields that are not text: about this much besides. */
  private static final int RUN = 160;

  /**
   * The estimate for a whole run: its params and result ({@link #of}) and all its text — ids, job
   * and tenant names, trigger, error, progress, log lines, attempts. Any of those may be as long as
   * the record it came in (an outside producer's), so bounding by params alone let runs of short
   * params and long names be held without limit.
   */
  static long ofRun(RunRecord run) {
    long bytes =
        RUN
            + of(run.params())
            + of(run.result())
            + textOrNone(run.runId() == null ? null : run.runId().value())
            + textOrNone(run.jobName())
            + textOrNone(run.tenantId())
            + textOrNone(run.executorId())
            + textOrNone(run.error())
            + textOrNone(run.progressMessage())
            + textOrNone(run.parentRunId() == null ? null : run.parentRunId().value());
    Trigger t = run.trigger();
    if (t != null) {
      bytes += NODE + textOrNone(t.schedule()) + textOrNone(t.chainRunId()) + textOrNone(t.step());
    }
    if (run.logs() != null) {
      for (LogEntry line : run.logs()) {
        bytes += NODE + textOrNone(line.level()) + textOrNone(line.message());
      }
    }
    if (run.attempts() != null) {
      for (Attempt a : run.attempts()) {
        bytes += NODE + textOrNone(a.executorId()) + textOrNone(a.error());
      }
    }
    if (run.appliedSeq() != null) {
      for (String key : run.appliedSeq().keySet()) {
        bytes += FIELD + text(key);
      }
    }
    return bytes;
  }

  private static long textOrNone(String s) {
    return s == null ? 0 : text(s);
  }

  /** A string of {@code s}'s length: one byte a character, two if any is beyond Latin-1. */
  private static long text(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) > 0xFF) {
        return STRING + 2L * s.length();
      }
    }
    return STRING + s.length();
  }
}
