package io.jobline.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.run.LogEntry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Progress is drawn only on a terminal; pipes and files get plain lines. */
class ProgressDisplayTest {
  private static final Instant T = Instant.parse("2026-03-01T10:00:00Z");
  private static final Path NO_FD = Path.of("/nonexistent/fd/2");

  private static String show(Terminal terminal) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ProgressDisplay display =
        new ProgressDisplay(new PrintStream(bytes, true, StandardCharsets.UTF_8), terminal);
    display.line(new LogEntry(T, "info", "Starting", null));
    display.line(new LogEntry(T, "info", "Half way", 50));
    display.line(new LogEntry(T, "error", "One record skipped", null));
    display.finish("completed");
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void aPipeOrAFileGetsPlainLinesWithTheProgressInThem() {
    String out = show(Terminal.PLAIN);

    assertThat(out).doesNotContain("\r").doesNotContain("\033");
    assertThat(out.lines())
        .containsExactly(
            "2026-03-01T10:00:00Z INFO    Starting",
            "2026-03-01T10:00:00Z INFO    Half way (50%)",
            "2026-03-01T10:00:00Z ERROR   One record skipped");
  }

  @Test
  void aTerminalGetsABarRedrawnUnderTheLinesAndColouredLevels() {
    String out = show(new Terminal(true, true));

    assertThat(out)
        .contains("\r\033[2K")
        .contains("[###############---------------]  50% Half way")
        .contains("[##############################] 100%")
        .contains("\033[31mERROR  \033[0m");
  }

  @Test
  void noColorKeepsTheBarButDropsTheColours() {
    Terminal terminal = Terminal.decide(Map.of("NO_COLOR", "1"), "true", NO_FD);
    String out = show(terminal);

    assertThat(terminal).isEqualTo(new Terminal(true, false));
    assertThat(out)
        .contains("[##############################] 100%")
        .doesNotContain("\033[31m")
        .doesNotContain("\033[0m");
  }

  @Test
  void whatTheLauncherSawWinsAndADumbTerminalOrNoneIsPlain() {
    assertThat(Terminal.decide(Map.of(), "true", NO_FD)).isEqualTo(new Terminal(true, true));
    assertThat(Terminal.decide(Map.of("NO_COLOR", ""), "true", NO_FD))
        .isEqualTo(new Terminal(true, true));
    assertThat(Terminal.decide(Map.of(), "false", NO_FD)).isEqualTo(Terminal.PLAIN);
    assertThat(Terminal.decide(Map.of("TERM", "dumb"), "true", NO_FD)).isEqualTo(Terminal.PLAIN);
    assertThat(Terminal.decide(Map.of(), null, NO_FD)).isEqualTo(Terminal.PLAIN);
  }

  @Test
  void aStatusLineIsRedrawnOnATerminalAndWrittenWhenItChangesElsewhere() {
    ByteArrayOutputStream plainBytes = new ByteArrayOutputStream();
    ProgressDisplay plain =
        new ProgressDisplay(
            new PrintStream(plainBytes, true, StandardCharsets.UTF_8), Terminal.PLAIN);
    plain.status("1/4 runs completed", 25, false);
    plain.status(
        "2/4 runs completed", 50, false); // within PLAIN_EVERY_NANOS of the first: left out
    plain.status("4/4 runs completed", 100, true);

    assertThat(plainBytes.toString(StandardCharsets.UTF_8).lines())
        .containsExactly("1/4 runs completed", "4/4 runs completed");

    ByteArrayOutputStream liveBytes = new ByteArrayOutputStream();
    ProgressDisplay live =
        new ProgressDisplay(
            new PrintStream(liveBytes, true, StandardCharsets.UTF_8), new Terminal(true, true));
    live.status("2/4 runs completed", 50, false);
    assertThat(liveBytes.toString(StandardCharsets.UTF_8))
        .isEqualTo("\r\033[2K[###############---------------] 2/4 runs completed");
  }

  @Test
  void progressPastTheLogLinesKeptHasNoTimeAndIsShownWithoutOne() {
    // found by review: the stream's progress past history's log cap carries no time, and the
    // follow command printed "null INFO …" for each
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ProgressDisplay display =
        new ProgressDisplay(new PrintStream(bytes, true, StandardCharsets.UTF_8), Terminal.PLAIN);
    display.line(new LogEntry(null, null, "copying", 80));
    display.finish("completed");

    assertThat(bytes.toString(StandardCharsets.UTF_8)).doesNotContain("null");
    assertThat(bytes.toString(StandardCharsets.UTF_8).lines().findFirst())
        .hasValue("INFO    copying (80%)");
  }
}
