package io.jobline.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keeps secrets a caller put in a run's params out of what Jobline stores and shows (run records,
 * schedule and chain views, errors and log lines): the password of a URI ({@code
 * postgresql://bi:…@host/db}), a {@code Password=…;} or {@code password=…&} part of a connection
 * string, and the text value of any key named like a secret ({@code password}, {@code secret},
 * {@code api_key}, {@code token}, …). Each becomes {@value #REDACTED}; the rest of the value stays,
 * so a reader still sees which server and user a run used.
 *
 * <p>The request on the topic keeps the real value (the job needs it); so a run whose params were
 * redacted cannot be retried from its record. Passing {@code env:NAME} instead of a secret keeps it
 * off the topics too.
 */
public final class Secrets {
  /** What a secret is replaced by. */
  public static final String REDACTED = "[redacted]";

  // Both patterns take time linear in the text (found chasing a CI failure: 20,000 letters and an
  // '=' took 3 s, a megabyte hours, in the run views, history and the dead-letter recorder): a
  // scheme starts where no scheme character comes before it and is at most 32 long, nothing gives
  // back what it took, and a quote, brace or password left open runs to the end of the text.
  private static final Pattern URI_PASSWORD =
      Pattern.compile(
          "(?<![A-Za-z0-9+.-])([A-Za-z][A-Za-z0-9+.-]{0,31}+://[^/\\s:@]*+):[^@\\s/]*+@");
  private static final Pattern KEY_VALUE =
      Pattern.compile(
          "(?i)\\b(password|passwd|pwd|secret|client[_-]?secret|token|access[_-]?token|api[_-]?key|access[_-]?key"
              + "|account[_-]?key|sharedaccesskey|sig)(\\s*+=\\s*+)"
              + "(\"[^\"]*+\"?|'[^']*+'?|\\{[^}]*+}?|[^;&\\s\"]*+)");
  private static final Pattern SECRET_KEY =
      Pattern.compile(
          "(?i).*(password|passwd|^pwd$|secret|token|api_?key|apikey|private_?key|access_?key|credential|authorization"
              + "|connection_?string|^dsn$).*");

  private Secrets() {}

  /**
   * Whether a key of a JSON object names a secret, so its text value is never shown (a key that
   * names where a secret is kept — {@code credentials_path}, {@code password_env} — does not).
   */
  public static boolean isSecretKey(String key) {
    if (key == null) {
      return false;
    }
    String k = key.replace('-', '_').toLowerCase(Locale.ROOT);
    return SECRET_KEY.matcher(k).matches()
        && !k.endsWith("_path")
        && !k.endsWith("_file")
        && !k.endsWith("_env");
  }

  /**
   * Text with the secrets it embeds replaced: a URI's password and {@code key=value} parts of
   * connection strings whose key names a secret.
   */
  public static String redact(String text) {
    if (text == null || text.isEmpty() || (text.indexOf('@') < 0 && text.indexOf('=') < 0)) {
      return text;
    }
    String out =
        URI_PASSWORD
            .matcher(text)
            .replaceAll(m -> Matcher.quoteReplacement(m.group(1) + ":" + REDACTED + "@"));
    return KEY_VALUE
        .matcher(out)
        .replaceAll(m -> Matcher.quoteReplacement(m.group(1) + m.group(2) + REDACTED));
  }

  /**
   * A copy of a JSON value with its secrets replaced (the value itself when it has none), found
   * without recursion. A text under a key that names a secret is replaced whole, unless it is an
   * {@code env:NAME} reference (no secret, and what a reader needs to know); other text has {@link
   * #redact(String)} applied.
   */
  public static JsonNode redact(JsonNode value) {
    if (value == null || !(value.isContainerNode() || value.isTextual()) || !holdsSecret(value)) {
      return value;
    }
    JsonNode copy = value.deepCopy();
    if (copy.isTextual()) {
      return TextNode.valueOf(redact(copy.textValue()));
    }
    Deque<JsonNode> todo = new ArrayDeque<>();
    todo.push(copy);
    while (!todo.isEmpty()) {
      JsonNode n = todo.pop();
      if (n instanceof ObjectNode object) {
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          JsonNode child = e.getValue();
          if (child.isTextual()) {
            e.setValue(
                TextNode.valueOf(
                    isSecretKey(e.getKey()) && !isReference(child.textValue())
                        ? wholeOrEmbedded(child.textValue())
                        : redact(child.textValue())));
          } else if (child.isContainerNode()) {
            todo.push(child);
          }
        }
      } else if (n instanceof ArrayNode array) {
        for (int i = 0; i < array.size(); i++) {
          JsonNode child = array.get(i);
          if (child.isTextual()) {
            array.set(i, TextNode.valueOf(redact(child.textValue())));
          } else if (child.isContainerNode()) {
            todo.push(child);
          }
        }
      }
    }
    return copy;
  }

  /** Whether a value holds something {@link #REDACTED} (so it is not the value a caller gave). */
  public static boolean holdsRedacted(JsonNode value) {
    return value != null && value.toString().contains(REDACTED);
  }

  private static boolean holdsSecret(JsonNode value) {
    Deque<JsonNode> todo = new ArrayDeque<>();
    todo.push(value);
    while (!todo.isEmpty()) {
      JsonNode n = todo.pop();
      if (n.isTextual()) {
        if (!redact(n.textValue()).equals(n.textValue())) {
          return true;
        }
      } else if (n.isObject()) {
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          if (e.getValue().isTextual()
              && isSecretKey(e.getKey())
              && !isReference(e.getValue().textValue())
              && !e.getValue().textValue().equals(REDACTED)) {
            return true;
          }
          todo.push(e.getValue());
        }
      } else if (n.isArray()) {
        n.forEach(todo::push);
      }
    }
    return false;
  }

  /**
   * A secret-named value: a connection string keeps its non-secret parts (server, user, database),
   * anything else is replaced whole.
   */
  private static String wholeOrEmbedded(String text) {
    String embedded = redact(text);
    boolean connection =
        text.contains("://")
            || text.contains(";")
            || text.toLowerCase(Locale.ROOT).startsWith("jdbc:");
    return connection ? embedded : REDACTED;
  }

  private static boolean isReference(String text) {
    return text.startsWith("env:");
  }
}
