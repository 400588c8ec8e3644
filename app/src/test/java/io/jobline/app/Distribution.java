package io.jobline.app;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The built distribution ({@code jobline.jar} and {@code lib/}) the process-level tests start. */
final class Distribution {
  /** Where the build put it ({@code -Djobline.dist}, else the module's {@code target}). */
  static final Path DIR = Path.of(System.getProperty("jobline.dist", "target"));

  private Distribution() {}

  /** {@code java -Xmx512m -cp <distribution> io.jobline.app.Main} and {@code args}, to add to. */
  static List<String> command(String... args) {
    List<String> command =
        new ArrayList<>(
            List.of(
                "java",
                "-Xmx512m",
                "-cp",
                DIR.resolve("jobline.jar") + ":" + DIR.resolve("lib") + "/*",
                "io.jobline.app.Main"));
    command.addAll(List.of(args));
    return command;
  }
}
