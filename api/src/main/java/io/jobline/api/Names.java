package io.jobline.api;

import io.jobline.wire.WireLimits;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The names Jobline accepts, so every one of them can be carried in a URL path, a Kafka key, a
 * MongoDB id and a log line as it is: job, schedule, chain and step names are 1 to {@value
 * #MAX_LENGTH} characters of letters, digits, {@code . _ : -}, starting with a letter or digit;
 * tenant ids may also hold {@code @ +}.
 */
public final class Names {
  public static final int MAX_LENGTH = 128;
  private static final Pattern NAME =
      Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0," + (MAX_LENGTH - 1) + "}");
  private static final Pattern TENANT =
      Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:@+-]{0," + (MAX_LENGTH - 1) + "}");

  /** What a name may hold, for messages and documentation. */
  public static final String NAME_RULE =
      "1 to "
          + MAX_LENGTH
          + " letters, digits, '.', '_', ':' or '-', starting with a letter or digit";

  public static final String TENANT_RULE =
      "1 to "
          + MAX_LENGTH
          + " letters, digits, '.', '_', ':', '@', '+' or '-', starting with a letter or digit";

  private Names() {}

  /** Why {@code value} is not a valid name, if it is not. */
  public static Optional<String> nameProblem(String value) {
    return problem(value, NAME, NAME_RULE);
  }

  /** Why {@code value} is not a valid tenant id, if it is not. */
  public static Optional<String> tenantProblem(String value) {
    return problem(value, TENANT, TENANT_RULE);
  }

  private static Optional<String> problem(String value, Pattern pattern, String rule) {
    if (value == null) {
      return Optional.empty();
    }
    if (pattern.matcher(value).matches()) {
      return Optional.empty();
    }
    String shown = WireLimits.printable(value);
    return Optional.of(
        "'"
            + shown
            + "' is not a valid name: use "
            + rule
            + (value.length() > MAX_LENGTH
                ? " (it is " + value.length() + " characters long)"
                : ""));
  }
}
