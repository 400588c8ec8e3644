package io.jobline.app;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Hostile JSON for the fuzz suite, written as text so that anything a client could send can be
 * sent: deep nesting, huge strings, odd Unicode and control characters in keys and values (lone
 * surrogates and NUL as escapes), wrong types, unknown, duplicate and {@code $}-keys, trailing
 * tokens and broken documents.
 */
final class HostileJson {
  private HostileJson() {}

  /** Bodies for a route that takes these fields. */
  static Arbitrary<String> bodies(List<String> fields) {
    return Arbitraries.frequencyOf(
        Tuple.of(8, object(fields, 3)),
        Tuple.of(2, deep()),
        Tuple.of(2, duplicated(fields)),
        Tuple.of(2, object(fields, 2).map(b -> b + " " + "xyz")),
        Tuple.of(
            2,
            object(fields, 2)
                .flatMap(
                    b ->
                        Arbitraries.integers()
                            .between(0, Math.max(0, b.length() - 1))
                            .map(cut -> b.substring(0, cut)))),
        Tuple.of(1, Arbitraries.strings().all().ofMaxLength(40)),
        Tuple.of(1, value(2)));
  }

  /** An object whose keys are mostly the route's own fields, with values of any type. */
  static Arbitrary<String> object(List<String> fields, int depth) {
    Arbitrary<String> entry =
        Combinators.combine(key(fields), value(depth)).as((k, v) -> quote(k) + ":" + v);
    return entry.list().ofMaxSize(6).map(entries -> "{" + String.join(",", entries) + "}");
  }

  static Arbitrary<String> key(List<String> fields) {
    return Arbitraries.frequencyOf(
        Tuple.of(6, Arbitraries.of(fields)),
        Tuple.of(
            3,
            Arbitraries.of(
                "$where",
                "$set",
                "a.b",
                "",
                "\u0000",
                "a\u0000b",
                "😀",
                "\ud83d",
                "\ude00x",
                "__proto__",
                "constructor",
                "x".repeat(2000),
                "tenant",
                "params ",
                "PARAMS")),
        Tuple.of(2, Arbitraries.strings().all().ofMaxLength(12)));
  }

  static Arbitrary<String> value(int depth) {
    Arbitrary<String> scalar =
        Arbitraries.frequencyOf(
            Tuple.of(4, text().map(HostileJson::quote)),
            Tuple.of(
                2,
                Arbitraries.of(
                    "0",
                    "-1",
                    "1.5",
                    "1e999",
                    "-0",
                    "123456789012345678901234567890",
                    "2147483648",
                    "true",
                    "false",
                    "null",
                    "NaN",
                    "[]",
                    "{}")),
            Tuple.of(1, Arbitraries.integers().map(String::valueOf)));
    if (depth <= 0) {
      return scalar;
    }
    Arbitrary<String> array =
        Arbitraries.lazy(() -> value(depth - 1))
            .list()
            .ofMaxSize(4)
            .map(items -> "[" + String.join(",", items) + "]");
    Arbitrary<String> object =
        Arbitraries.lazy(() -> object(List.of("period", "seconds", "k", "a", "$x"), depth - 1));
    return Arbitraries.frequencyOf(Tuple.of(6, scalar), Tuple.of(2, array), Tuple.of(2, object));
  }

  static Arbitrary<String> text() {
    return Arbitraries.frequencyOf(
        Tuple.of(5, Arbitraries.strings().all().ofMaxLength(20)),
        Tuple.of(
            2,
            Arbitraries.of(
                "t1",
                "acme",
                "2026-03",
                "* * * * *",
                "0 3 * * *",
                "noop",
                "settlement",
                "cron",
                "interval",
                "once",
                "run_all",
                "skip",
                "queue",
                "UTC",
                "Mars/Base",
                "2026-03-01T00:00:00Z")),
        Tuple.of(
            1,
            Arbitraries.of(
                "x".repeat(100_000),
                "\u0000",
                "\ud83d",
                "a\u0001b",
                "../../etc",
                "0-99999999999 * * * *",
                "*/0 * * * *",
                "a/b",
                "😀\u0000x")));
  }

  /** Nested 30 to 3,000 levels, as arrays or objects, under a route field. */
  static Arbitrary<String> deep() {
    return Combinators.combine(
            Arbitraries.integers().between(30, 3000),
            Arbitraries.of("[", "{\"a\":"),
            Arbitraries.of("params", "parameters", "steps", "tenant_id"))
        .as(
            (n, open, field) -> {
              String close = open.equals("[") ? "]" : "}";
              String inner = open.equals("[") ? "1" : "{}";
              return "{\"" + field + "\":" + open.repeat(n) + inner + close.repeat(n) + "}";
            });
  }

  static Arbitrary<String> duplicated(List<String> fields) {
    return Combinators.combine(Arbitraries.of(fields), value(1), value(1))
        .as((k, a, b) -> "{" + quote(k) + ":" + a + "," + quote(k) + ":" + b + "}");
  }

  /**
   * A JSON string literal; every character outside printable ASCII as an escape, so lone surrogates
   * survive.
   */
  static String quote(String s) {
    StringBuilder b = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20 || c > 0x7e) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append('"').toString();
  }
}
