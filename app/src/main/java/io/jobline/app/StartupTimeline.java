package io.jobline.app;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** When each step of a start was done, counted from the JVM's start: where a start's time goes. */
final class StartupTimeline {
  private final List<String> steps = new ArrayList<>();

  /** Seconds since this JVM started. */
  static double secondsSinceJvmStart() {
    return ManagementFactory.getRuntimeMXBean().getUptime() / 1000.0;
  }

  synchronized void done(String step) {
    steps.add(String.format(Locale.ROOT, "%s %.1f s", step, secondsSinceJvmStart()));
  }

  @Override
  public synchronized String toString() {
    return String.join(", ", steps);
  }
}
