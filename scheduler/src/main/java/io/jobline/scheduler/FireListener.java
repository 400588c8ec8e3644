package io.jobline.scheduler;

import java.time.Instant;

/**
 * Told of each scheduled run once Kafka has taken its request: the fire's nominal time and when
 * Kafka acknowledged it (their difference is how late the fire went out). The application feeds a
 * lateness histogram with it; {@code jobline bench-schedules} measures a minute boundary with it.
 * Called on a Kafka client thread: return quickly.
 */
@FunctionalInterface
public interface FireListener {
  void fired(Instant nominal, Instant acknowledged);
}
