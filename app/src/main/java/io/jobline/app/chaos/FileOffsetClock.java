package io.jobline.app.chaos;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The UTC clock shifted by the milliseconds written in a file, re-read at most every 100 ms: how
 * {@code jobline chaos} makes one process's clock jump ({@code JOBLINE_CLOCK_OFFSET_FILE}). A
 * missing or unreadable file means no shift.
 */
public final class FileOffsetClock extends Clock {
  /** The environment variable that names the file; a role started with it uses this clock. */
  public static final String ENV = "JOBLINE_CLOCK_OFFSET_FILE";

  private final Path file;
  private volatile long offsetMillis;
  private volatile long readAtNanos = Long.MIN_VALUE;

  public FileOffsetClock(Path file) {
    this.file = file;
  }

  /** The system clock, or the shifted one when {@value #ENV} is set. */
  public static Clock fromEnvironment() {
    String file = System.getenv(ENV);
    return file == null || file.isBlank() ? Clock.systemUTC() : new FileOffsetClock(Path.of(file));
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    FileOffsetClock shifted = this;
    return zone.equals(ZoneOffset.UTC)
        ? this
        : new Clock() {
          @Override
          public ZoneId getZone() {
            return zone;
          }

          @Override
          public Clock withZone(ZoneId other) {
            return shifted.withZone(other);
          }

          @Override
          public Instant instant() {
            return shifted.instant();
          }
        };
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(millis());
  }

  @Override
  public long millis() {
    long now = System.nanoTime();
    if (readAtNanos == Long.MIN_VALUE || now - readAtNanos > 100_000_000L) {
      readAtNanos = now;
      try {
        offsetMillis =
            Files.exists(file)
                ? Long.parseLong(Files.readString(file, StandardCharsets.UTF_8).trim())
                : 0;
      } catch (IOException | NumberFormatException e) {
        offsetMillis = 0;
      }
    }
    return System.currentTimeMillis() + offsetMillis;
  }
}
