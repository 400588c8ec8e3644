package io.jobline.api;

import io.jobline.topic.Topics;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.Salvage;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds a run's request on {@code jobline.requests} when neither history nor this api process knows
 * the run: one requested a moment ago through another api process (behind the same load balancer),
 * a scheduler or a client producing to the topic. History holds such a run back until it starts,
 * for up to {@code history.holdQueued}; meanwhile this is how any api answers for it.
 *
 * <p>It reads only on such a miss, nothing in between: the committed requests of every partition up
 * to the end Kafka had committed at the moment of the call, from shortly before the run's id was
 * made (a version 7 id names its time) onwards or, for a version 3 id (one Jobline names from
 * something else: an idempotency key, a schedule's fire), back from that end to {@code lookBack}
 * ago, newest first, so that a run requested a moment ago is found at once however many requests
 * came before it (and its newest request, a retry's, if there are several). A run whose request
 * Kafka acknowledged before the call is so normally found; not while a transaction is open on its
 * partition (the last stable offset stays before it). A version 7 id made longer than {@code
 * lookBack} ago, or in the future, is not looked for: history has written such a run if it exists.
 * Other ids are not looked for either: Jobline makes none. At most one search runs at a time per
 * process, each reading at most {@code maxRecords} records for at most {@code maxTime}; an id not
 * found is not looked for again for {@link #MISS_KEPT}. The consumer is kept between searches.
 *
 * <p>A search that cannot tell — it waited longer than {@link #MAX_WAIT} for another, gave up at
 * its bounds before it had read back as far as the run could have been requested, or could not read
 * the topic — throws a {@code 503} with {@code Retry-After} ({@link #unsure}) rather than finding
 * nothing: a run another api process accepted with a {@code 202} a moment ago read {@code 404}
 * here, a client took it for gone (found by review). Searches that could not tell for longer than
 * {@code lookBack} in a row find nothing: had the run been requested when it was first asked about,
 * history would have written it since.
 */
public final class RequestedRuns implements AcceptedRuns.Elsewhere, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RequestedRuns.class);

  /** How far a producer's clock (the record's time) may be behind this process's. */
  static final Duration CLOCK_SKEW = Duration.ofSeconds(5);

  /**
   * How long after its hold history may write a run when it is behind: past the hold and this, a
   * version 7 id is not looked for.
   */
  public static final Duration BEHIND_MARGIN = Duration.ofSeconds(30);

  /** The records one search reads at most. */
  public static final int MAX_RECORDS = 200_000;

  /** How long one search reads at most. */
  public static final Duration MAX_TIME = Duration.ofSeconds(3);

  /**
   * How long a search waits for another to finish before it gives up: a request thread is held
   * meanwhile, so not for long.
   */
  static final Duration MAX_WAIT = Duration.ofMillis(500);

  /**
   * How long an id searched for and not found is not searched for again: a client polling a run
   * that is not there, or many asking at once, cost one search a second.
   */
  static final Duration MISS_KEPT = Duration.ofSeconds(1);

  private static final int MAX_MISSES = 10_000;

  /**
   * The records per partition a search read back from the end reads first; each further round reads
   * twice as many, up to {@link #MAX_CHUNK}.
   */
  static final long FIRST_CHUNK = 100;

  private static final long MAX_CHUNK = 20_000;

  /** How long closing the consumer may take when Kafka does not answer. */
  private static final Duration CLOSE_WITHIN = Duration.ofMillis(200);

  /**
   * A search that fails (Kafka down, no Read on the topic) is logged at WARN this often at most.
   */
  private static final long WARN_EVERY_NANOS = Duration.ofMinutes(1).toNanos();

  private final Map<String, Object> consumerProps;
  private final Clock clock;
  private final Duration lookBack;
  private final int maxRecords;
  private final Duration maxTime;
  private final Semaphore oneAtATime = new Semaphore(1);
  private final LongSupplier answers;

  /**
   * The part of the time one caller's searches may take in the long run ({@link SearchShares}):
   * found by review, a viewer asking for made-up ids again and again kept the one search busy, and
   * every other caller's run accepted elsewhere a moment ago answered 503.
   */
  static final double CALLER_SHARE = 0.25;

  private final SearchShares shares;

  /**
   * Kept between searches (a consumer costs a connection and a metadata fetch); holding the lock.
   */
  private KafkaConsumer<byte[], byte[]> consumer;

  /**
   * Reads past transactions still open (read uncommitted), where a search reading committed records
   * cannot yet. (Holding {@link #oneAtATime}.)
   */
  private KafkaConsumer<byte[], byte[]> uncommitted;

  /** Ids searched for and not found lately, with when to forget them (monotonic nanos). */
  private final LinkedHashMap<String, Long> misses = new LinkedHashMap<>();

  private volatile long lastRead;
  private volatile long lastWarn = System.nanoTime() - WARN_EVERY_NANOS;
  private final AtomicLong searches = new AtomicLong();

  /**
   * @param lookBack how long after its request history has written a run at the latest: its hold
   *     ({@code history.holdQueued}) with room for a history that is behind
   */
  public RequestedRuns(Map<String, Object> clientProps, Clock clock, Duration lookBack) {
    this(clientProps, clock, lookBack, MAX_RECORDS, MAX_TIME);
  }

  RequestedRuns(
      Map<String, Object> clientProps,
      Clock clock,
      Duration lookBack,
      int maxRecords,
      Duration maxTime) {
    this(clientProps, clock, lookBack, maxRecords, maxTime, System::nanoTime);
  }

  /**
   * @param answers the time in nanoseconds, as {@link System#nanoTime()} tells it, of the answers
   *     kept (misses, searches that could not tell); tests move it by hand
   */
  RequestedRuns(
      Map<String, Object> clientProps,
      Clock clock,
      Duration lookBack,
      int maxRecords,
      Duration maxTime,
      LongSupplier answers) {
    this.answers = answers;
    this.shares = new SearchShares(maxTime, CALLER_SHARE, answers);
    this.consumerProps = new HashMap<>(clientProps);
    consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    consumerProps.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
    consumerProps.put(ConsumerConfig.CLIENT_ID_CONFIG, "jobline-api-requested-runs");
    // a fetch returns what there is: a request thread waits on it
    consumerProps.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 10);
    // an api runs with a small heap: a fetch of 8 MB at most, not 50
    consumerProps.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 8 * 1024 * 1024);
    this.clock = clock;
    this.lookBack = lookBack;
    this.maxRecords = maxRecords;
    this.maxTime = maxTime;
  }

  /**
   * The request of this run on {@code jobline.requests}, if it is there lately, searched for {@code
   * caller} (null: no caller's share is counted): a caller whose searches took more than {@link
   * #CALLER_SHARE} of the time lately waits its turn.
   *
   * @throws ApiException a {@code 503} with {@code Retry-After} when the search could not tell; a
   *     {@code 429} with {@code Retry-After} when the caller is to wait
   */
  @Override
  public Optional<JobRequest> find(String runId, Object caller) {
    long now = clock.millis();
    long from = now - lookBack.toMillis();
    int version = version(runId);
    if (version == 7) {
      long made = madeAt(runId);
      if (made < from || made > now + CLOCK_SKEW.toMillis()) {
        return Optional.empty();
      }
      from = Math.max(from, made - CLOCK_SKEW.toMillis());
    } else if (version != 3) {
      return Optional.empty(); // no id Jobline makes: one a client chose for its own request
    }
    if (missedLately(runId)) {
      return Optional.empty();
    }
    Unsure lately = unsureLately(runId);
    if (lately != null) {
      // (a search that could not tell a moment ago: the same again, without searching, and
      // without putting off the next search: found by review, a client asking more than once a
      // second was never searched for again)
      if (answers.getAsLong() - lately.first() > lookBack.toNanos()) {
        return notThere(runId);
      }
      throw unsure(runId, lately.why());
    }
    if (caller != null) {
      long wait = shares.take(caller);
      if (wait > 0) {
        throw overShare(runId, wait);
      }
    }
    long deadline = System.nanoTime() + maxTime.toNanos();
    try {
      if (!oneAtATime.tryAcquire(MAX_WAIT.toNanos(), TimeUnit.NANOSECONDS)) {
        LOG.debug("No search of the requests topic for run {}: another search is running", runId);
        giveBack(caller, 0);
        return notTold(runId, "another search of jobline.requests was running");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      giveBack(caller, 0);
      throw unsure(runId, "the search was interrupted");
    }
    Reading reading = new Reading(runId, deadline);
    long began = answers.getAsLong();
    long read = 0; // (0: Kafka could not be read, which is no caller's doing)
    try {
      searches.incrementAndGet();
      if (consumer == null) {
        consumer =
            new KafkaConsumer<>(
                consumerProps, new ByteArrayDeserializer(), new ByteArrayDeserializer());
      }
      Optional<JobRequest> found = search(consumer, reading, from);
      read = Math.max(1, answers.getAsLong() - began);
      if (found.isPresent() || !reading.gaveUp) {
        synchronized (unsure) {
          unsure.remove(runId);
        }
      }
      if (found.isEmpty() && !reading.gaveUp) {
        missed(runId);
      }
      if (found.isEmpty() && reading.gaveUp) {
        return notTold(
            runId,
            "the search of jobline.requests stopped at its bounds after "
                + reading.read
                + " records");
      }
      return found;
    } catch (ApiException e) {
      throw e;
    } catch (RuntimeException e) {
      closeConsumer(); // a new one next time
      long at = System.nanoTime();
      if (at - lastWarn >= WARN_EVERY_NANOS) {
        lastWarn = at;
        LOG.warn(
            "Could not search the requests topic for run {} (a run another api process accepted"
                + " a moment ago is answered 503 here until history writes it; logged once a"
                + " minute at most): {}",
            runId,
            e.toString());
      } else {
        LOG.debug("Could not search the requests topic for run {}: {}", runId, e.toString());
      }
      throw unsure(
          runId, "jobline.requests could not be read (" + e.getClass().getSimpleName() + ")");
    } finally {
      oneAtATime.release();
      giveBack(caller, read);
    }
  }

  /** Gives back to {@code caller}'s share what its search did not use of what it took. */
  private void giveBack(Object caller, long took) {
    if (caller != null) {
      shares.took(caller, took);
    }
  }

  /** The answer to a caller whose searches took more than its share: ask again in a while. */
  private static ApiException overShare(String runId, long waitNanos) {
    long seconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(waitNanos + 999_999_999L));
    return new ApiException(
            429,
            "Too many requests",
            "run '"
                + runId
                + "' is not in history yet, and this caller's searches of jobline.requests for"
                + " runs not known took more than "
                + Math.round(CALLER_SHARE * 100)
                + " % of the time lately; ask again in "
                + seconds
                + " s",
            "run_id",
            null)
        .retryAfter((int) Math.min(Integer.MAX_VALUE, seconds));
  }

  /** Each caller's share of the searches (for tests). */
  SearchShares shares() {
    return shares;
  }

  /** Closes the consumer kept between searches. */
  @Override
  public void close() {
    oneAtATime.acquireUninterruptibly();
    try {
      closeConsumer();
    } finally {
      oneAtATime.release();
    }
  }

  /** (Holding {@link #oneAtATime}.) */
  private void closeConsumer() {
    for (KafkaConsumer<byte[], byte[]> c : Arrays.asList(consumer, uncommitted)) {
      if (c != null) {
        try {
          c.close(CloseOptions.timeout(CLOSE_WITHIN));
        } catch (RuntimeException e) {
          LOG.debug("Closing the requests topic's search consumer: {}", e.toString());
        }
      }
    }
    consumer = null;
    uncommitted = null;
  }

  /**
   * When searches first, and last, could not tell whether a run was requested, and why the last
   * could not (monotonic nanos).
   */
  private record Unsure(long first, long last, String why) {}

  /** Ids whose searches could not tell lately, oldest first; at most {@link #MAX_MISSES}. */
  private final LinkedHashMap<String, Unsure> unsure = new LinkedHashMap<>();

  /**
   * The answer for a run a search could not tell was requested or not, for {@code why}: a {@code
   * 503} to ask again — unless searches have not told for longer than {@code lookBack}. Then it is
   * not there: had it been requested when it was first asked about, history would have written it
   * since. (A busy topic that 40 s of requests cannot be read back through in 3 s answered 503 for
   * good for an id that will never exist, such as an old schedule fire's: found by review.)
   */
  private Optional<JobRequest> notTold(String runId, String why) {
    long now = answers.getAsLong();
    Unsure before;
    synchronized (unsure) {
      before = unsure.remove(runId);
      if (before != null && now - before.last() > lookBack.toNanos()) {
        before = null; // (asked about again much later: told afresh)
      }
      if (before != null && now - before.first() > lookBack.toNanos()) {
        return notThere(runId);
      }
      if (unsure.size() >= MAX_MISSES) {
        unsure.remove(unsure.keySet().iterator().next());
      }
      unsure.put(runId, new Unsure(before == null ? now : before.first(), now, why));
    }
    throw unsure(runId, why);
  }

  /** A run searches have not told of for longer than {@code lookBack}: not there. */
  private Optional<JobRequest> notThere(String runId) {
    synchronized (unsure) {
      unsure.remove(runId);
    }
    missed(runId);
    return Optional.empty();
  }

  /** What searches that could not tell within the last {@link #MISS_KEPT} said, if any. */
  private Unsure unsureLately(String runId) {
    synchronized (unsure) {
      Unsure u = unsure.get(runId);
      return u != null && answers.getAsLong() - u.last() < MISS_KEPT.toNanos() ? u : null;
    }
  }

  /** Whether this id was searched for and not found within the last {@link #MISS_KEPT}. */
  private boolean missedLately(String runId) {
    synchronized (misses) {
      long now = answers.getAsLong();
      misses.values().removeIf(until -> until - now <= 0);
      return misses.containsKey(runId);
    }
  }

  private void missed(String runId) {
    synchronized (misses) {
      if (misses.size() >= MAX_MISSES) {
        misses.remove(misses.keySet().iterator().next());
      }
      misses.put(runId, answers.getAsLong() + MISS_KEPT.toNanos());
    }
  }

  /** The lock a search holds (for tests: held, the next search waits for it). */
  Semaphore searchLock() {
    return oneAtATime;
  }

  /** How many searches of the topic began (for tests). */
  long searches() {
    return searches.get();
  }

  /** How many records the last search read (for tests). */
  long lastRead() {
    return lastRead;
  }

  /**
   * The 503 for a run not in history that this process could not tell was requested a moment ago or
   * not: ask again in a second.
   */
  static ApiException unsure(String runId, String why) {
    return new ApiException(
            503,
            "Run not known yet",
            "run '"
                + runId
                + "' is not in history yet, and this api could not tell whether it was requested a"
                + " moment ago ("
                + why
                + "); ask again",
            "run_id",
            null)
        .retryAfter(1);
  }

  private Optional<JobRequest> search(
      KafkaConsumer<byte[], byte[]> consumer, Reading reading, long from) {
    String runId = reading.runId;
    long deadline = reading.deadline;
    lastRead = 0;
    consumer.unsubscribe(); // (what the last search read)
    List<TopicPartition> partitions = new ArrayList<>();
    for (PartitionInfo p : consumer.partitionsFor(Topics.REQUESTS.name(), left(deadline))) {
      partitions.add(new TopicPartition(p.topic(), p.partition()));
    }
    Map<TopicPartition, Long> times = new HashMap<>();
    partitions.forEach(tp -> times.put(tp, from));
    Map<TopicPartition, OffsetAndTimestamp> starts =
        consumer.offsetsForTimes(times, left(deadline));
    Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, left(deadline));
    Map<TopicPartition, Range> ranges = new HashMap<>();
    for (TopicPartition tp : partitions) {
      OffsetAndTimestamp start = starts.get(tp);
      long end = ends.getOrDefault(tp, 0L);
      if (start != null && start.offset() < end) {
        ranges.put(tp, new Range(start.offset(), end));
      }
    }
    long timed = System.nanoTime();
    // a version 7 id names when its request was sent: read forward from just before then; any
    // other id may have been sent at any time of the look-back, most likely a moment ago (a client
    // asking for the run it just requested): read back from the end, the newest records first
    Optional<JobRequest> found =
        version(runId) == 7
            ? forward(consumer, ranges, reading)
            : newestFirst(consumer, ranges, reading);
    if (found.isEmpty() && !reading.gaveUp) {
      found = pastOpenTransactions(partitions, starts, ends, reading);
    }
    lastRead = reading.read;
    LOG.debug(
        "Searched {} records of the requests topic for run {} in {} ms",
        reading.read,
        runId,
        (System.nanoTime() - timed) / 1_000_000);
    if (found.isEmpty() && reading.gaveUp) {
      LOG.info(
          "Gave up searching the requests topic for run {} after {} records", runId, reading.read);
    }
    return found;
  }

  /**
   * What was sent after a transaction still open on its partition (a schedule's fire, a fan-out's
   * children) cannot be read committed yet: a run another api accepted a moment ago was a 404
   * (found by review). After a search of the committed records that missed, this reads on past each
   * partition's last stable offset, uncommitted, up to its end now. A request of the run in a
   * transaction then aborted counts too: its sender normally sends it again (a fire, a voided end's
   * children). Nothing found, or the ends not read: as the committed search said.
   */
  private Optional<JobRequest> pastOpenTransactions(
      List<TopicPartition> partitions,
      Map<TopicPartition, OffsetAndTimestamp> starts,
      Map<TopicPartition, Long> stableEnds,
      Reading reading) {
    try {
      if (uncommitted == null) {
        Map<String, Object> props = new HashMap<>(consumerProps);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "jobline-api-requested-runs-open");
        uncommitted =
            new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
      }
      Map<TopicPartition, Long> written =
          uncommitted.endOffsets(partitions, left(reading.deadline));
      Map<TopicPartition, Range> open = new HashMap<>();
      for (TopicPartition tp : partitions) {
        OffsetAndTimestamp start = starts.get(tp);
        long stable = stableEnds.getOrDefault(tp, 0L);
        long begin = start == null ? stable : Math.max(stable, start.offset());
        if (written.getOrDefault(tp, 0L) > begin) {
          open.put(tp, new Range(begin, written.get(tp)));
        }
      }
      if (open.isEmpty()) {
        return Optional.empty();
      }
      // what the last read left (partitions paused at their ends, found by review) is dropped
      uncommitted.unsubscribe();
      return version(reading.runId) == 7
          ? forward(uncommitted, open, reading)
          : newestFirst(uncommitted, open, reading);
    } catch (RuntimeException e) {
      LOG.debug(
          "Could not read past open transactions for run {}: {}", reading.runId, e.toString());
      try {
        uncommitted.close(CloseOptions.timeout(CLOSE_WITHIN)); // (a new one next time)
      } catch (RuntimeException notClosed) {
        LOG.debug("Closing the consumer past open transactions: {}", notClosed.toString());
      }
      uncommitted = null;
      return Optional.empty();
    }
  }

  /** Offsets {@code [from, to)} of a partition still to read. */
  private record Range(long from, long to) {}

  /** One search's count of what it read, and its bounds. */
  private final class Reading {
    final String runId;
    final long deadline;
    long read;
    boolean gaveUp;

    Reading(String runId, long deadline) {
      this.runId = runId;
      this.deadline = deadline;
    }

    /** Whether the search may read on; notes that it gave up when not. */
    boolean mayGoOn() {
      gaveUp = System.nanoTime() >= deadline || read >= maxRecords;
      return !gaveUp;
    }
  }

  /** Reads each range from its start to its end, and stops at the first request of the run. */
  private Optional<JobRequest> forward(
      KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Range> ranges, Reading reading) {
    consumer.assign(ranges.keySet());
    ranges.forEach((tp, r) -> consumer.seek(tp, r.from()));
    Map<TopicPartition, Long> toRead = new HashMap<>();
    ranges.forEach((tp, r) -> toRead.put(tp, r.to()));
    return readUpTo(consumer, toRead, reading, true);
  }

  /**
   * Reads each range back from its end, a chunk at a time ({@link #FIRST_CHUNK} records per
   * partition, twice as many each round), and stops after the first chunk that holds a request of
   * the run, taking the newest such request.
   */
  private Optional<JobRequest> newestFirst(
      KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Range> ranges, Reading reading) {
    Map<TopicPartition, Range> left = new HashMap<>(ranges);
    long chunk = FIRST_CHUNK;
    while (!left.isEmpty() && reading.mayGoOn()) {
      Map<TopicPartition, Long> toRead = new HashMap<>();
      consumer.assign(left.keySet());
      consumer.resume(left.keySet());
      for (Map.Entry<TopicPartition, Range> e : left.entrySet()) {
        Range r = e.getValue();
        long from = Math.max(r.from(), r.to() - chunk);
        consumer.seek(e.getKey(), from);
        toRead.put(e.getKey(), r.to());
        e.setValue(new Range(r.from(), from));
      }
      Optional<JobRequest> found = readUpTo(consumer, toRead, reading, false);
      if (found.isPresent()) {
        return found;
      }
      left.values().removeIf(r -> r.from() >= r.to());
      chunk = Math.min(chunk * 2, MAX_CHUNK);
    }
    return Optional.empty();
  }

  /**
   * Reads from the positions sought up to {@code toRead}'s offsets (exclusive); at the first
   * request of the run if {@code first}, else at the last request read of it once all is read.
   */
  private Optional<JobRequest> readUpTo(
      KafkaConsumer<byte[], byte[]> consumer,
      Map<TopicPartition, Long> toRead,
      Reading reading,
      boolean first) {
    Optional<JobRequest> last = Optional.empty();
    while (!toRead.isEmpty() && reading.mayGoOn()) {
      for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
        Long end = toRead.get(tp);
        if (end == null || r.offset() >= end) {
          continue;
        }
        if (!reading.mayGoOn()) {
          break;
        }
        reading.read++;
        if (reading.runId.equals(runIdOf(r.value()))) {
          Optional<JobRequest> request = parse(r.value());
          if (request.isPresent()) {
            if (first) {
              return request;
            }
            last = request;
          }
        }
      }
      for (TopicPartition tp : List.copyOf(toRead.keySet())) {
        if (consumer.position(tp) >= toRead.get(tp)) {
          toRead.remove(tp);
          consumer.pause(List.of(tp));
        }
      }
    }
    return last;
  }

  private static Duration left(long deadline) {
    return Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
  }

  private static Optional<JobRequest> parse(byte[] value) {
    try {
      return Optional.of(Json.mapper().readValue(value, JobRequest.class));
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // not a request this version reads: the executor dead-letters it
    }
  }

  /**
   * The top-level {@code run_id} of a request's JSON without binding the rest, read as the executor
   * reads it from a record ({@link Salvage}: a field given twice counts as its last value).
   */
  static String runIdOf(byte[] value) {
    return Salvage.texts(value).get("run_id");
  }

  /** The time a version 7 id was made at, or null for an id that names no time. */
  static Long madeAt(String runId) {
    return version(runId) == 7 ? UUID.fromString(runId).getMostSignificantBits() >>> 16 : null;
  }

  /**
   * The UUID version of a run id in the canonical form, or 0 for any other id. Jobline makes
   * version 7 ids for new runs and version 3 ids for runs named by something else (an idempotency
   * key, a schedule's fire, a record without an id, a fan-out's child, a chain's step).
   */
  static int version(String runId) {
    if (runId == null || runId.length() != 36) {
      return 0;
    }
    try {
      UUID id = UUID.fromString(runId);
      return id.toString().equals(runId) ? id.version() : 0; // (the form Jobline writes)
    } catch (IllegalArgumentException e) {
      return 0;
    }
  }
}
