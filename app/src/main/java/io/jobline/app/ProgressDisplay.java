package io.jobline.app;

import io.jobline.run.LogEntry;
import java.io.PrintStream;
import java.util.concurrent.TimeUnit;

/**
 * Live log lines of a run. On a terminal a progress bar is redrawn under them (levels in colour
 * unless {@code NO_COLOR}); anywhere else (a pipe, a file) every line is plain text and the
 * progress is written into the lines that report it.
 */
final class ProgressDisplay {
  private static final int WIDTH = 30;
  private static final String CLEAR_LINE = "\r\033[2K";
  private static final String RESET = "\033[0m";
  private final PrintStream out;
  private final Terminal terminal;
  private int percentage;
  private String message = "";
  private boolean barShown;
  private long lastPlainStatus;
  private String lastStatus;

  ProgressDisplay(PrintStream out, Terminal terminal) {
    this.out = out;
    this.terminal = terminal;
  }

  /** On this process's stderr, drawn as it is connected. */
  static ProgressDisplay onStderr() {
    return new ProgressDisplay(System.err, Terminal.stderr());
  }

  synchronized void line(LogEntry entry) {
    if (entry.timestamp() == null && entry.percentage() != null && terminal.live()) {
      // the run's progress past the log lines history keeps (no time: not a line): the bar only
      percentage = entry.percentage();
      message = entry.message() == null ? "" : entry.message();
      clearBar();
      drawBar();
      return;
    }
    clearBar();
    String level = entry.level() == null ? "info" : entry.level();
    String shown = String.format("%-7s", level.toUpperCase());
    String colour = terminal.colour() ? colourOf(level) : null;
    if (colour != null) {
      shown = colour + shown + RESET;
    }
    String pct =
        !terminal.live() && entry.percentage() != null ? " (" + entry.percentage() + "%)" : "";
    // (a progress past the log lines kept has no time: found by review, "null" was printed)
    out.printf(
        "%s%s %s%s%n",
        entry.timestamp() == null ? "" : entry.timestamp() + " ", shown, entry.message(), pct);
    if (entry.percentage() != null) {
      percentage = entry.percentage();
      message = entry.message() == null ? "" : entry.message();
    }
    drawBar();
  }

  synchronized void finish(String status) {
    if (!terminal.live()) {
      out.flush();
      return;
    }
    clearBar();
    percentage = "completed".equals(status) ? 100 : percentage;
    drawBar();
    out.println();
    barShown = false;
  }

  /**
   * A status line such as "40/100 runs completed": redrawn in place on a terminal, after a bar when
   * {@code percentage} is not negative; elsewhere written as a plain line when it changed, at most
   * every {@link #PLAIN_EVERY_NANOS} (and always when it is the {@code last}).
   */
  synchronized void status(String text, int percentage, boolean last) {
    if (terminal.live()) {
      int filled = Math.max(0, Math.min(100, percentage)) * WIDTH / 100;
      out.print(
          CLEAR_LINE
              + (percentage < 0 ? "" : "[" + "#".repeat(filled) + "-".repeat(WIDTH - filled) + "] ")
              + text);
      if (last) {
        out.println();
      }
      out.flush();
      return;
    }
    long now = System.nanoTime();
    if (!text.equals(lastStatus)
        && (last || lastStatus == null || now - lastPlainStatus >= PLAIN_EVERY_NANOS)) {
      out.println(text);
      out.flush();
      lastStatus = text;
      lastPlainStatus = now;
    }
  }

  /** Plain status lines are written at most this often. */
  static final long PLAIN_EVERY_NANOS = TimeUnit.SECONDS.toNanos(5);

  private static String colourOf(String level) {
    return switch (level) {
      case "error" -> "\033[31m";
      case "warning", "warn" -> "\033[33m";
      default -> null;
    };
  }

  private void clearBar() {
    if (barShown) {
      out.print(CLEAR_LINE);
    }
  }

  private void drawBar() {
    if (!terminal.live()) {
      out.flush();
      return;
    }
    int filled = percentage * WIDTH / 100;
    out.printf(
        "\r[%s%s] %3d%% %s",
        "#".repeat(filled),
        "-".repeat(WIDTH - filled),
        percentage,
        message.length() > 60 ? message.substring(0, 60) : message);
    out.flush();
    barShown = true;
  }
}
