package io.jobline.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.jobline.run.RunOptions;
import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import io.jobline.wire.Secrets;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Whether a request sent again with an {@code Idempotency-Key} asks what the first one asked. A key
 * names one run; a request naming it with other params or options is not a retry of the first but a
 * second request under a key already spent, and is answered {@code 422} (as the IETF draft on the
 * {@code Idempotency-Key} header has it), rather than replaying a run that does other work than the
 * client now asks for.
 *
 * <p>Params are compared as a run keeps them: their secrets redacted ({@link Secrets}), numbers by
 * value (a stored {@code 5} may read back as another number type), no params the same as {@code
 * {}}. So two requests differing only in a secret's value cannot be told apart.
 */
final class SameRequest {
  private SameRequest() {}

  /** Numbers equal by value; anything else as {@link JsonNode#equals}. */
  private static final Comparator<JsonNode> BY_VALUE =
      (a, b) -> {
        if (a.isNumber() && b.isNumber()) {
          return a.decimalValue().compareTo(b.decimalValue());
        }
        return a.equals(b) ? 0 : 1;
      };

  static boolean sameParams(JsonNode first, JsonNode again) {
    JsonNode a = kept(first);
    JsonNode b = kept(again);
    if (a == null || b == null) {
      return a == b;
    }
    return a.equals(BY_VALUE, b);
  }

  /**
   * A digest of {@code params} as compared here: equal for params {@link #sameParams} takes for the
   * same (keys in any order, numbers by value, secrets redacted); null for none.
   */
  static String digest(JsonNode params) {
    JsonNode kept = kept(params);
    if (kept == null) {
      return null;
    }
    StringBuilder canonical = new StringBuilder();
    canonical(kept, canonical);
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256")
              .digest(canonical.toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** One spelling of {@code node}: object keys sorted, numbers by value. */
  private static void canonical(JsonNode node, StringBuilder out) {
    if (node.isObject()) {
      out.append('{');
      List<String> names = new ArrayList<>();
      node.fieldNames().forEachRemaining(names::add);
      Collections.sort(names);
      for (String name : names) {
        out.append(TextNode.valueOf(name)).append(':');
        canonical(node.get(name), out);
        out.append(',');
      }
      out.append('}');
    } else if (node.isArray()) {
      out.append('[');
      for (JsonNode item : node) {
        canonical(item, out);
        out.append(',');
      }
      out.append(']');
    } else if (node.isNumber()) {
      out.append(node.decimalValue().stripTrailingZeros()); // (1, 1.0 and 1e0 alike)
    } else {
      out.append(node); // text quoted and escaped, true, false, null
    }
  }

  /** {@code params} as a run keeps them for comparison: null for none or {@code {}}. */
  private static JsonNode kept(JsonNode params) {
    if (params == null || params.isNull() || (params.isObject() && params.isEmpty())) {
      return null;
    }
    return Secrets.redact(params);
  }

  /**
   * The first field of a run-now request that differs from the run its key names, if any: {@code
   * params}, {@code timeout_seconds}, {@code retry_backoff_seconds} or {@code
   * retry_backoff_cap_seconds}.
   */
  static Optional<String> differs(
      JsonNode firstParams, RunOptions first, JsonNode params, RunOptions again) {
    if (!sameParams(firstParams, params)) {
      return Optional.of("params");
    }
    RunOptions a = first == null ? new RunOptions(null, null, null, null) : first;
    RunOptions b = again == null ? new RunOptions(null, null, null, null) : again;
    if (!Objects.equals(a.timeoutSeconds(), b.timeoutSeconds())) {
      return Optional.of("timeout_seconds");
    }
    if (!Objects.equals(a.retryBackoffSeconds(), b.retryBackoffSeconds())) {
      return Optional.of("retry_backoff_seconds");
    }
    if (!Objects.equals(a.retryBackoffCapSeconds(), b.retryBackoffCapSeconds())) {
      return Optional.of("retry_backoff_cap_seconds");
    }
    return Optional.empty();
  }

  /**
   * As {@link #differs} for a run as history wrote it, only where its record still tells the first
   * request: nothing once a later attempt has been asked for — the run is past its first attempt,
   * or reads {@code retrying} — since a redrive's corrected record replaces the params and options
   * the run keeps; its params only when it keeps some, its options only when it keeps them. A run
   * stored stripped, or folded from an event before its request, keeps none it was asked for, and
   * an honest retry must not be refused (found by review: each made one a 422). So a key sent first
   * with no params and again with some replays, where the api that sent it no longer remembers.
   */
  static Optional<String> differsFromStored(RunRecord stored, JsonNode params, RunOptions again) {
    if (stored.attempt() > 1 || stored.status() == RunStatus.RETRYING) {
      return Optional.empty();
    }
    if (stored.params() != null && !sameParams(stored.params(), params)) {
      return Optional.of("params");
    }
    return stored.options() == null
        ? Optional.empty()
        : differs(null, stored.options(), null, again);
  }

  /** The 422 for a key that names {@code what} {@code id}, requested with another {@code field}. */
  static ApiException reused(String what, String id, String field) {
    return new ApiException(
        422,
        "Idempotency-Key reused",
        "the Idempotency-Key names "
            + what
            + " "
            + id
            + ", requested with other "
            + field
            + "; a retry sends the first request unchanged, and another request needs a new key",
        field,
        null);
  }
}
