package io.jobline.app;

import java.io.IOException;
import java.net.ServerSocket;

/**
 * What the {@code jobline} launcher runs once per build with {@code -XX:ArchiveClassesAtExit}: the
 * client commands a user types all day, in one JVM, so the archive holds the classes they load
 * (help, list, a local run, a call that finds no API). Its output is thrown away.
 */
final class ClassDataTraining {
  private ClassDataTraining() {}

  public static void main(String[] args) throws IOException {
    String nowhere;
    try (ServerSocket s = new ServerSocket(0)) {
      nowhere = "http://127.0.0.1:" + s.getLocalPort();
    }
    String[][] commands = {
      {"--help"},
      {"help", "run"},
      {"list"},
      {"run", "noop"},
      {"run", "noop", "--json"},
      {"cron", "*/5 * * * *", "--count", "2"},
      {"runs", "list", "--api-url", nowhere},
      {"runs", "follow", "x", "--api-url", nowhere},
      {"schedules", "list", "--api-url", nowhere},
      {"run", "noop", "--submit", "--api-url", nowhere}
    };
    for (String[] command : commands) {
      Main.commandLine().execute(command);
    }
    System.exit(0); // whatever a command left running, the archive is written now
  }
}
