package io.jobline.app;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Whether this process's stderr is a terminal, and so whether progress is drawn live (a bar redrawn
 * in place, colours) or written as plain lines that read well in a pipe or a file.
 *
 * @param live a terminal that can redraw a line: draw a bar
 * @param colour colours too (a terminal, and {@code NO_COLOR} is not set)
 */
record Terminal(boolean live, boolean colour) {
  /**
   * Set by the {@code jobline} launcher from the shell's {@code [ -t 2 ]}. Not under "jobline.":
   * Dropwizard reads system properties with that prefix as configuration overrides.
   */
  static final String STDERR_TTY_PROPERTY = "io.jobline.stderr.tty";

  static final Terminal PLAIN = new Terminal(false, false);

  /** How stderr of this process is connected, as the launcher saw it or else as Linux says. */
  static Terminal stderr() {
    return decide(
        System.getenv(), System.getProperty(STDERR_TTY_PROPERTY), Path.of("/proc/self/fd/2"));
  }

  /**
   * @param launcherSays "true" or "false" when the launcher looked, else null
   * @param stderrFd the link to stderr's file where the system has one (Linux)
   */
  static Terminal decide(Map<String, String> env, String launcherSays, Path stderrFd) {
    boolean tty =
        launcherSays != null ? Boolean.parseBoolean(launcherSays) : linkedToTerminal(stderrFd);
    boolean live = tty && !"dumb".equals(env.get("TERM"));
    String noColor = env.get("NO_COLOR"); // https://no-color.org: present and not empty
    return new Terminal(live, live && (noColor == null || noColor.isEmpty()));
  }

  private static boolean linkedToTerminal(Path fd) {
    try {
      String target = Files.readSymbolicLink(fd).toString();
      return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
    } catch (Exception e) {
      return false; // no such link (not Linux): plain lines are always safe
    }
  }
}
