package io.jobline.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Random;

/** Random JSON values of every kind a run's params and result carry, for the encoders' tests. */
final class RandomJson {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private RandomJson() {}

  static ObjectNode object(Random r, int depth) {
    ObjectNode o = NODES.objectNode();
    int fields = r.nextInt(6);
    for (int i = 0; i < fields; i++) {
      o.set(string(r), value(r, depth + 1));
    }
    return o;
  }

  static JsonNode value(Random r, int depth) {
    int kind = r.nextInt(depth > 4 ? 7 : 9);
    return switch (kind) {
      case 0 -> NODES.numberNode(r.nextInt());
      case 1 -> NODES.numberNode(r.nextLong());
      case 2 -> NODES.numberNode(r.nextDouble() * 1e6 - 5e5);
      case 3 -> NODES.textNode(string(r));
      case 4 -> NODES.booleanNode(r.nextBoolean());
      case 5 -> NODES.nullNode();
      case 6 -> NODES.numberNode(r.nextInt(3) - 1);
      case 7 -> object(r, depth);
      default -> {
        ArrayNode a = NODES.arrayNode();
        int n = r.nextInt(5);
        for (int i = 0; i < n; i++) {
          a.add(value(r, depth + 1));
        }
        yield a;
      }
    };
  }

  static String string(Random r) {
    StringBuilder s = new StringBuilder();
    int n = r.nextInt(8);
    for (int i = 0; i < n; i++) {
      int c = r.nextInt(4) == 0 ? 0x80 + r.nextInt(0x2000) : 'a' + r.nextInt(26);
      s.append((char) c);
    }
    return s.toString();
  }
}
