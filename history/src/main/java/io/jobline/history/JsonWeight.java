package io.jobline.history;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BinaryNode;
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
