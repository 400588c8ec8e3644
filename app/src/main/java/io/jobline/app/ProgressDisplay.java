package io.jobline.app;

import io.jobline.run.LogEntry;
import java.io.PrintStream;

/** Live log lines with a progress bar under them, drawn on a terminal stream. */
final class ProgressDisplay {
  private static final int WIDTH = 30;
  private final PrintStream out;
  private int percentage;
  private String message = "";
  private boolean barShown;

  ProgressDisplay(PrintStream out) {
    this.out = out;
  }

  synchronized void line(LogEntry entry) {
    clearBar();
    String level = entry.level() == null ? "info" : entry.level();
    out.printf("%s %-7s %s%n", entry.timestamp(), level.toUpperCase(), entry.message());
    if (entry.percentage() != null) {
      percentage = entry.percentage();
      message = entry.message() == null ? "" : entry.message();
    }
    drawBar();
  }

  synchronized void finish(String status) {
    clearBar();
    percentage = "completed".equals(status) ? 100 : percentage;
    drawBar();
    out.println();
    barShown = false;
  }

  private void clearBar() {
    if (barShown) {
      out.print("\r\033[2K");
    }
  }

  private void drawBar() {
    int filled = percentage * WIDTH / 100;
    out.printf("\r[%s%s] %3d%% %s", "#".repeat(filled), "-".repeat(WIDTH - filled), percentage,
        message.length() > 60 ? message.substring(0, 60) : message);
    out.flush();
    barShown = true;
  }
}
