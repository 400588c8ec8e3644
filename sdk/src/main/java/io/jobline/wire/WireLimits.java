package io.jobline.wire;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;

/**
 * What every role can carry end to end — the api, the topic records, the executor, history and
 * MongoDB: JSON values nested at most {@link #maxDepth()} deep (32 unless {@code limits.maxDepth}
 * says otherwise), keys without NUL (BSON cannot store them) and not starting with {@code $}
 * (MongoDB reads those as operators), and text that is valid Unicode (a lone surrogate cannot be
 * written as UTF-8). The api refuses other input with a 400 naming the field; the executor
 * dead-letters such a record; history leaves such a value out rather than stop.
 */
public final class WireLimits {
  /**
   * Deepest nesting of a params object, a job result or any other JSON value, unless configured.
   */
  public static final int DEFAULT_MAX_DEPTH = 32;

  /**
   * The deepest {@link #maxDepth()} may be set: a run's document in MongoDB holds such a value a
   * few levels down, and MongoDB refuses documents nested more than 100 levels.
   */
  public static final int LARGEST_MAX_DEPTH = 64;

  /**
   * The largest request record an executor runs (the api takes params up to 64 KiB; a record
   * carries them and a few hundred bytes more). Larger ones go to the dead-letter topic.
   */
  public static final int MAX_REQUEST_BYTES = 128 * 1024;

  /**
   * Deepest nesting the JSON parser reads at all (a whole record, request body or stored document):
   * room for a value of {@link #LARGEST_MAX_DEPTH} levels and the envelope around it, and no more
   * than MongoDB stores.
   */
  public static final int MAX_PARSE_DEPTH = 100;

  /**
   * The most attempts a run may have ({@code max_attempts}; a job's or chain step's {@code retries}
   * up to one less): each is kept on the run's document, which grew without bound with {@code
   * max_attempts} of two billion (found by review).
   */
  public static final int MAX_ATTEMPTS = 100;

  /**
   * The longest retry backoff, and backoff cap, a request may ask for (a day): the executors'
   * memory of cancels, read back from {@code jobline.control}, must outlast the wait for a next
   * attempt.
   */
  public static final int MAX_BACKOFF_SECONDS = 86_400;

  /** Longest key of a JSON object. */
  public static final int MAX_KEY_LENGTH = 1024;

  /** The longest number, as written, a JSON read takes (Jackson's limit). */
  public static final int MAX_NUMBER_CHARS = StreamReadConstraints.DEFAULT_MAX_NUM_LEN;

  /**
   * The longest run id, job name or tenant id a record may carry. Jobline's own ids are 36
   * characters and the api takes names of up to 128; a run id of hundreds of kilobytes, as the key
   * of history's run state and again inside it, put the state over Kafka's largest record, and the
   * changelog write stopped history's stream thread at every restart (found by review).
   */
  public static final int MAX_ID_CHARS = 512;

  /**
   * {@code text} cut to {@link #MAX_ID_CHARS} characters, for a record that names an id too long to
   * carry (a dead letter's key).
   */
  public static String cutId(String text) {
    if (text == null || text.length() <= MAX_ID_CHARS) {
      return text;
    }
    int end =
        Character.isHighSurrogate(text.charAt(MAX_ID_CHARS - 1)) ? MAX_ID_CHARS - 1 : MAX_ID_CHARS;
    return text.substring(0, end) + "…";
  }

  /**
   * Why no run can be stored under the run id {@code id}, if none can: longer than {@value
   * #MAX_ID_CHARS} characters, or text that is not valid Unicode. The executor refuses a request
   * with such an id without failing a run of it, and history folds no run for it (found by review:
   * one held back and read again after a restart stopped history's stream thread for good, and a
   * lone surrogate's run read queued for ever).
   */
  public static Optional<String> unstorableRunId(String id) {
    if (id.length() > MAX_ID_CHARS) {
      return Optional.of(
          "is "
              + id.length()
              + " characters long, over the "
              + MAX_ID_CHARS
              + " a run can be stored under");
    }
    return badText(id);
  }

  /** Why {@code field}'s id {@code text} cannot be carried: longer than {@link #MAX_ID_CHARS}. */
  public static Optional<Violation> idTooLong(String field, String text) {
    return text != null && text.length() > MAX_ID_CHARS
        ? Optional.of(
            new Violation(
                field,
                "is "
                    + text.length()
                    + " characters long; at most "
                    + MAX_ID_CHARS
                    + " are accepted"))
        : Optional.empty();
  }

  private static volatile int maxDepth = DEFAULT_MAX_DEPTH;

  private WireLimits() {}

  /** Deepest nesting of a params object, a job result or any other JSON value a run carries. */
  public static int maxDepth() {
    return maxDepth;
  }

  /**
   * Sets {@link #maxDepth()} for this process, from {@code limits.maxDepth}; every role of a
   * deployment should be given the same value.
   *
   * @throws IllegalArgumentException naming the key when it is outside 1 to {@value
   *     #LARGEST_MAX_DEPTH}
   */
  public static void setMaxDepth(int depth) {
    if (depth < 1 || depth > LARGEST_MAX_DEPTH) {
      throw new IllegalArgumentException(
          "limits.maxDepth must be between 1 and " + LARGEST_MAX_DEPTH + ", not " + depth);
    }
    maxDepth = depth;
  }

  /** Why a value cannot be carried, and where (a JSON path starting at the field's name). */
  public record Violation(String path, String reason) {
    @Override
    public String toString() {
      return path + ": " + reason;
    }
  }

  /**
   * Checks a value against the limits, without recursion (a hostile value may be deep).
   *
   * @param field the name the path starts with, e.g. {@code params}
   * @return the first violation found, if any
   */
  public static Optional<Violation> check(String field, JsonNode value) {
    if (value == null) {
      return Optional.empty();
    }
    record Frame(JsonNode node, String path, int depth) {}
    int limit = maxDepth;
    Deque<Frame> todo = new ArrayDeque<>();
    todo.push(new Frame(value, field, value.isContainerNode() ? 1 : 0));
    while (!todo.isEmpty()) {
      Frame f = todo.pop();
      if (f.depth() > limit) {
        return Optional.of(
            new Violation(
                field,
                "nested more than "
                    + limit
                    + " levels deep (at "
                    + f.path()
                    + "); at most "
                    + limit
                    + " are accepted"));
      }
      JsonNode n = f.node();
      if (n.isBigInteger() && !n.canConvertToLong()) {
        // MongoDB stores whole numbers of up to 64 bits; a larger one could not be written
        return Optional.of(
            new Violation(
                f.path(),
                "a whole number must fit in 64 bits (-9223372036854775808 to"
                    + " 9223372036854775807); send a larger one as text"));
      }
      if (n.isBigDecimal() && n.decimalValue().toString().length() > MAX_NUMBER_CHARS) {
        // (written, it could not be read back: an executor taking the run over could not read the
        // end its claim held, nor history the event: found by review)
        return Optional.of(
            new Violation(
                f.path(),
                "a number is written with more than "
                    + MAX_NUMBER_CHARS
                    + " characters; send a longer one as text"));
      }
      if (n.isFloatingPointNumber() && !Double.isFinite(n.doubleValue())) {
        // (1e400 reads as Infinity: written again it is the text "Infinity", not a number)
        return Optional.of(
            new Violation(
                f.path(),
                "a number must fit in a double (about ±1.8e308); send a larger one as text"));
      }
      if (n.isTextual()) {
        Optional<String> bad = badText(n.textValue());
        if (bad.isPresent()) {
          return Optional.of(new Violation(f.path(), "text " + bad.get()));
        }
      } else if (n.isObject()) {
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          String key = e.getKey();
          String path = f.path() + "." + printable(key);
          if (key.indexOf('\0') >= 0) {
            return Optional.of(
                new Violation(path, "a key must not contain the NUL character (U+0000)"));
          }
          if (key.startsWith("$")) {
            return Optional.of(
                new Violation(
                    path, "a key must not start with '$' (MongoDB reads such keys as operators)"));
          }
          if (key.length() > MAX_KEY_LENGTH) {
            return Optional.of(
                new Violation(
                    f.path(),
                    "a key is "
                        + key.length()
                        + " characters long; at most "
                        + MAX_KEY_LENGTH
                        + " are accepted"));
          }
          Optional<String> bad = badText(key);
          if (bad.isPresent()) {
            return Optional.of(new Violation(path, "key " + bad.get()));
          }
          JsonNode child = e.getValue();
          todo.push(new Frame(child, path, f.depth() + (child.isContainerNode() ? 1 : 0)));
        }
      } else if (n.isArray()) {
        for (int i = 0; i < n.size(); i++) {
          JsonNode child = n.get(i);
          todo.push(
              new Frame(
                  child, f.path() + "[" + i + "]", f.depth() + (child.isContainerNode() ? 1 : 0)));
        }
      }
    }
    return Optional.empty();
  }

  /** Why a string is not valid Unicode (a lone surrogate), if it is not. */
  public static Optional<String> badText(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
          continue;
        }
        return Optional.of(loneSurrogate(c, i));
      }
      if (Character.isLowSurrogate(c)) {
        return Optional.of(loneSurrogate(c, i));
      }
    }
    return Optional.empty();
  }

  private static String loneSurrogate(char c, int at) {
    return String.format(
        "is not valid Unicode: a lone surrogate U+%04X at character %d", (int) c, at);
  }

  /**
   * A key as it can be shown in a message: control characters and surrogates escaped, long keys
   * cut.
   */
  public static String printable(String key) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < key.length() && i < 64; i++) {
      char c = key.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < key.length()
          && Character.isLowSurrogate(key.charAt(i + 1))) {
        b.append(c).append(key.charAt(++i));
      } else if (c < 0x20 || c == 0x7f || Character.isSurrogate(c)) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return key.length() > 64 ? b.append("…").toString() : b.toString();
  }
}
