package io.jobline.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.dropwizard.configuration.EnvironmentVariableSubstitutor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Substitutes {@code ${VAR}} and {@code ${VAR:-default}} in a configuration's text, once, and tells
 * which keys got a variable that is not set and has no default. Kept as literal text, an unset
 * {@code ${JOBLINE_PROD_TOKEN}} became a guessable admin token; refused outright (Dropwizard's
 * strict mode), so did one in a YAML comment. So an unset variable is marked where it stands, and
 * only a mark that ends up in a value fails the boot, naming the key and the variable.
 */
final class EnvironmentText {
  private static final char MARK_START = '\uE000';
  private static final char MARK_END = '\uE001';
  private static final Pattern WITHOUT_DEFAULT =
      Pattern.compile("(?<!\\$)\\$\\{([A-Za-z_][A-Za-z0-9_.]*)}");
  private static final Pattern MARK =
      Pattern.compile(MARK_START + "([^" + MARK_END + "]*)" + MARK_END);

  private EnvironmentText() {}

  /**
   * The text with every variable replaced; an unset one without a default is marked for {@link
   * #unset}. {@code $${X}} stays the literal {@code ${X}}.
   */
  static String substitute(String text) {
    String marked =
        WITHOUT_DEFAULT
            .matcher(text)
            .replaceAll(
                m ->
                    Matcher.quoteReplacement(
                        System.getenv(m.group(1)) == null
                            ? MARK_START + m.group(1) + MARK_END
                            : m.group()));
    return new EnvironmentVariableSubstitutor(false).replace(marked);
  }

  /** Each key of the read configuration whose value holds an unset variable, with the variable. */
  static List<String> unset(JsonNode config) {
    List<String> errors = new ArrayList<>();
    collect(config, "", errors);
    return errors;
  }

  private static void collect(JsonNode node, String path, List<String> errors) {
    if (node == null) {
      return;
    }
    if (node.isObject()) {
      for (Map.Entry<String, JsonNode> e : node.properties()) {
        collect(e.getValue(), path.isEmpty() ? e.getKey() : path + "." + e.getKey(), errors);
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        collect(node.get(i), path + "[" + i + "]", errors);
      }
    } else if (node.isTextual()) {
      Matcher m = MARK.matcher(node.asText());
      while (m.find()) {
        errors.add(
            path
                + " takes the environment variable "
                + m.group(1)
                + ", which is not set — set it, or give a default as ${"
                + m.group(1)
                + ":-default}");
      }
    }
  }
}
