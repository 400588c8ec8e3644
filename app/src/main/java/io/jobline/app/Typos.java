package io.jobline.app;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;

/** Which command or option a mistyped one was probably meant to be. */
final class Typos {
  private Typos() {}

  /**
   * The subcommands (or, for "-…", the options) of {@code spec} within two edits of {@code typed}.
   */
  static List<String> near(String typed, CommandSpec spec) {
    List<String> names = new ArrayList<>();
    if (typed.startsWith("-")) {
      String name = typed.contains("=") ? typed.substring(0, typed.indexOf('=')) : typed;
      spec.options().forEach(o -> names.addAll(List.of(o.names())));
      return names.stream().filter(n -> n.length() > 2 && edits(name, n) <= 2).toList();
    }
    names.addAll(spec.subcommands().keySet());
    return names.stream().filter(n -> edits(typed, n) <= Math.min(2, typed.length() / 2)).toList();
  }

  /** Edits (insert, delete, replace, swap two neighbours) that turn {@code a} into {@code b}. */
  static int edits(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1
            && j > 1
            && a.charAt(i - 1) == b.charAt(j - 2)
            && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }
}
