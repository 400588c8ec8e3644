package io.jobline.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What google-java-format (Spotless, checked in every build) does not hold: code names a type by
 * its simple name and imports it. A fully-qualified name stays only where two types of one simple
 * name meet in a file (java.time's and Dropwizard's {@code Duration}).
 */
class SourceStyleTest {
  private static final List<String> MODULES =
      List.of(
          "sdk",
          "shared",
          "embedded",
          "executor",
          "history",
          "scheduler",
          "api",
          "builtins",
          "examples",
          "app");

  /**
   * String and character literals, comments, and qualified type names (lower-case segments, then a
   * type).
   */
  private static final Pattern TOKEN =
      Pattern.compile(
          "(?<str>\"\"\"[\\s\\S]*?\"\"\"|\"(?:\\\\.|[^\"\\\\\\n])*\"|'(?:\\\\.|[^'\\\\\\n])*')"
              + "|(?<comment>//[^\\n]*|/\\*[\\s\\S]*?\\*/)"
              + "|(?<fqn>(?<![\\w.])(?:[a-z][a-z0-9_]*\\.)+[A-Z]\\w*)");

  private static final Pattern IMPORT =
      Pattern.compile("^import (?:static )?([\\w.]+)\\.(\\w+);", Pattern.MULTILINE);
  private static final Pattern DECLARED =
      Pattern.compile("\\b(?:class|interface|enum|record)\\s+(\\w+)");

  @Test
  void noCodeNamesATypeByItsFullyQualifiedNameWhereAnImportWouldDo() throws IOException {
    List<String> found = new ArrayList<>();
    for (String module : MODULES) {
      Path src = Path.of("..", module, "src");
      if (!Files.isDirectory(src)) {
        continue;
      }
      try (Stream<Path> files = Files.walk(src)) {
        files.filter(f -> f.toString().endsWith(".java")).forEach(f -> found.addAll(inline(f)));
      }
    }
    assertThat(found)
        .as("fully-qualified names in code; import them (mvn spotless:apply sorts the imports)")
        .isEmpty();
  }

  @Test
  void theCheckFindsAnInlineNameAndLeavesStringsCommentsAndTrueClashesAlone() {
    String source =
        """
        package x;

        import java.time.Duration;

        /** Uses {@link java.util.List}. */
        class A {
          String s = "java.util.Map";
          java.util.Set<String> set; // java.util.Queue
          io.dropwizard.util.Duration d;
        }
        """;
    assertThat(inline(Path.of("A.java"), source)).containsExactly("A.java: java.util.Set");
  }

  private static List<String> inline(Path file) {
    try {
      return inline(file, Files.readString(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> inline(Path file, String source) {
    Map<String, String> imported = new HashMap<>();
    Matcher im = IMPORT.matcher(source);
    int bodyStart = 0;
    while (im.find()) {
      imported.put(im.group(2), im.group(1));
      bodyStart = im.end();
    }
    String body = source.substring(bodyStart);
    Set<String> declared = new HashSet<>();
    DECLARED.matcher(body).results().forEach(r -> declared.add(r.group(1)));
    Map<String, Set<String>> qualifiers = new HashMap<>();
    List<String> names = new ArrayList<>();
    Matcher t = TOKEN.matcher(body);
    while (t.find()) {
      if (t.group("fqn") != null) {
        String fqn = t.group("fqn");
        int dot = fqn.lastIndexOf('.');
        qualifiers
            .computeIfAbsent(fqn.substring(dot + 1), k -> new HashSet<>())
            .add(fqn.substring(0, dot));
        names.add(fqn);
      }
    }
    List<String> out = new ArrayList<>();
    for (String fqn : names) {
      int dot = fqn.lastIndexOf('.');
      String name = fqn.substring(dot + 1);
      String qualifier = fqn.substring(0, dot);
      boolean clash =
          qualifiers.get(name).size() > 1
              || declared.contains(name)
              || imported.containsKey(name) && !imported.get(name).equals(qualifier);
      if (!clash) {
        out.add(file + ": " + fqn);
      }
    }
    return out.stream().distinct().toList();
  }
}
