package io.jobline.wire;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.Random;
import java.util.UUID;

/**
 * Identifies one run. Ids of scheduled runs and of records without an id are derived from what
 * triggered them, so re-emitting the same trigger cannot create a second run.
 */
public record RunId(String value) implements Comparable<RunId> {
  private static final SecureRandom RANDOM = new SecureRandom();

  public RunId {
    Objects.requireNonNull(value, "run id");
    if (value.isBlank()) {
      throw new IllegalArgumentException("run id must not be blank");
    }
  }

  @JsonCreator
  public static RunId of(String value) {
    return new RunId(value);
  }

  /**
   * A new run's id: a version 7 UUID (RFC 9562), its first 48 bits the time in milliseconds and 74
   * random bits after them. Ids made later sort after earlier ones as text too, so the store's id
   * index takes each new run at its end, near the last ones, rather than at a random place: on the
   * data-folder store a random (version 4) id made almost every write read and decode a page of
   * other runs from the file ({@code jobline bench --store h2}, README "Benchmark"). Ids of runs
   * made in the same minute share their first characters, so a short form of an id is its end.
   */
  /**
   * A new run's id, with the system clock's time; for code built against versions before {@code
   * random(Clock)}. Role code passes its clock.
   *
   * @deprecated use {@link #random(Clock)}
   */
  @Deprecated
  public static RunId random() {
    return random(Clock.systemUTC());
  }

  public static RunId random(Clock clock) {
    return random(clock.millis(), RANDOM);
  }

  static RunId random(long epochMillis, Random random) {
    long rand = random.nextLong();
    long high = (epochMillis << 16) | 0x7000L | (rand & 0x0FFFL);
    long low = (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
    return new RunId(new UUID(high, low).toString());
  }

  /** The id of the run a schedule fires at its nominal time. */
  public static RunId forSchedule(String schedule, Instant nominalTime) {
    return derived("schedule:" + schedule + "@" + nominalTime);
  }

  /**
   * The id of a run submitted with an idempotency key: the same tenant, job and key always name the
   * same run, so a client that retries (on another api, after a timeout) cannot start a second one.
   */
  public static RunId forIdempotencyKey(String tenant, String job, String key) {
    return derived(
        "idempotency:" + (tenant == null ? "" : tenant) + "\u0000" + job + "\u0000" + key);
  }

  /**
   * The id of a chain run started with an idempotency key: the same tenant, chain and key always
   * name the same chain run (apart from the runs of jobs, whatever the names).
   */
  public static RunId forChainIdempotencyKey(String tenant, String chain, String key) {
    return derived(
        "chain-idempotency:" + (tenant == null ? "" : tenant) + "\u0000" + chain + "\u0000" + key);
  }

  /** The id of a request produced without one, from where it sits in Kafka. */
  public static RunId forRecord(String topic, int partition, long offset) {
    return derived("record:" + topic + "/" + partition + "/" + offset);
  }

  /** The id of a per-tenant child of a fanned-out run. */
  public static RunId forChild(RunId parent, String tenant) {
    return derived("child:" + parent.value() + "/" + tenant);
  }

  /** The id of one attempt of one step of a chain run. */
  public static RunId forChainStep(String chainRunId, String step, int attempt) {
    return derived("chain:" + chainRunId + "/" + step + "#" + attempt);
  }

  private static RunId derived(String name) {
    return new RunId(UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString());
  }

  @JsonValue
  @Override
  public String value() {
    return value;
  }

  @Override
  public String toString() {
    return value;
  }

  /** Orders run ids as their text does. */
  @Override
  public int compareTo(RunId other) {
    return value.compareTo(other.value);
  }
}
