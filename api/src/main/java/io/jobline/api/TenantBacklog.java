package io.jobline.api;

import io.jobline.topic.FinishedOffsets;
import io.jobline.topic.Topics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The requests the executors have not finished, per tenant, from Kafka alone (consumer lag): on
 * each partition of the request topics, the records from the executors' committed offset to the end
 * (the last stable offset: an open transaction's records are not counted yet), less those finished
 * above the committed offset (the executors write them into the commit's metadata, {@link
 * FinishedOffsets}). So a request counts from when it is on the topic until its run has ended or
 * been handed on — whether it waits to start or runs.
 *
 * <p>Requests are keyed by tenant, and a partition holds several tenants, so the keys of those
 * records are read: at most {@code readAtMost} records a look, shared evenly by the partitions
 * behind. A partition not read through within that gives lower bounds ({@link Count#atLeast()}) for
 * the tenants found on it and for those whose key maps to it. A look is kept for {@code fresh}, so
 * however many callers ask, the broker is asked once in that time.
 */
public final class TenantBacklog implements AutoCloseable {
  /** Records read at most per look, unless told otherwise. */
  public static final int DEFAULT_READ_AT_MOST = 20_000;

  /** How long a look is served before the next is taken, unless told otherwise. */
  public static final Duration DEFAULT_FRESH = Duration.ofSeconds(5);

  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  /** Values are not needed: they are fetched but not decoded. */
  private static final Deserializer<Void> SKIPPED = (topic, data) -> null;

  private final Admin admin;
  private final Map<String, Object> consumerProps;
  private final String group;
  private final List<String> topics;
  private final int readAtMost;
  private final Duration fresh;
  private final Clock clock;
  private KafkaConsumer<String, Void> consumer;
  private Look last;

  /**
   * @param clientProps Kafka client properties (bootstrap servers, security)
   * @param group the executors' consumer group
   * @param topics the request topics it reads
   */
  public TenantBacklog(
      Admin admin,
      Map<String, Object> clientProps,
      String group,
      List<String> topics,
      int readAtMost,
      Duration fresh,
      Clock clock) {
    this.admin = admin;
    this.group = group;
    this.topics = List.copyOf(topics);
    this.readAtMost = readAtMost;
    this.fresh = fresh;
    this.clock = clock;
    this.consumerProps = new HashMap<>(clientProps);
    consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    consumerProps.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
    consumerProps.put(ConsumerConfig.CLIENT_ID_CONFIG, "jobline-api-backlog");
  }

  /** How many unfinished requests a tenant has; a lower bound when {@code atLeast}. */
  public record Count(long unfinished, boolean atLeast) {}

  /**
   * One partition of a request topic: the group's committed offset, the end, the unfinished
   * requests found per tenant key (a null key is kept as null), and whether it was read through.
   */
  public record Partition(
      String topic,
      int partition,
      long committed,
      long end,
      Map<String, Long> tenants,
      boolean readThrough) {
    public long unfinished() {
      return tenants.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  /** The backlog as it stood at {@code at}. */
  public record Look(
      Instant at, String group, List<Partition> partitions, Map<String, Integer> partitionCounts) {
    /** Every tenant key with unfinished requests, most first. */
    public Map<String, Count> byTenant() {
      Map<String, Long> sums = new HashMap<>();
      for (Partition p : partitions) {
        p.tenants().forEach((tenant, n) -> sums.merge(tenant, n, Long::sum));
      }
      Map<String, Count> out = new LinkedHashMap<>();
      sums.entrySet().stream()
          .sorted(
              Map.Entry.<String, Long>comparingByValue()
                  .reversed()
                  .thenComparing(
                      Map.Entry.comparingByKey(Comparator.nullsFirst(Comparator.naturalOrder()))))
          .forEach(e -> out.put(e.getKey(), forTenant(e.getKey())));
      return out;
    }

    /**
     * The count of one tenant key: 0 when none was found, a lower bound where its partition was not
     * read through.
     */
    public Count forTenant(String tenant) {
      long n = 0;
      boolean atLeast = false;
      for (Partition p : partitions) {
        Long found = p.tenants().get(tenant);
        n += found == null ? 0 : found;
        if (!p.readThrough() && (found != null || mapsTo(tenant, p))) {
          atLeast = true;
        }
      }
      return new Count(n, atLeast);
    }

    /** Whether every partition behind was read through, so every count is exact. */
    public boolean complete() {
      return partitions.stream().allMatch(Partition::readThrough);
    }

    private boolean mapsTo(String tenant, Partition p) {
      Integer count = partitionCounts.get(p.topic());
      return tenant != null
          && count != null
          && Topics.requestPartition(tenant, count) == p.partition();
    }
  }

  /**
   * The backlog, taken at most {@code fresh} ago.
   *
   * @throws IllegalStateException with the Kafka error as its cause when Kafka cannot be asked
   */
  public synchronized Look look() {
    Instant now = clock.instant();
    if (last == null || !now.isBefore(last.at().plus(fresh))) {
      try {
        last = take(now);
      } catch (ExecutionException e) {
        throw new IllegalStateException(
            "Could not read the consumer lag of " + group + " from Kafka", e.getCause());
      } catch (TimeoutException e) {
        throw new IllegalStateException(
            "Kafka did not answer within " + TIMEOUT.toSeconds() + " s", e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while reading the consumer lag", e);
      }
    }
    return last;
  }

  private Look take(Instant now) throws ExecutionException, TimeoutException, InterruptedException {
    Set<String> existing = get(admin.listTopics().names());
    List<String> present = topics.stream().filter(existing::contains).toList();
    Map<String, Integer> partitionCounts = new LinkedHashMap<>();
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
    get(admin.describeTopics(present).allTopicNames())
        .values()
        .forEach(
            d -> {
              partitionCounts.put(d.name(), d.partitions().size());
              d.partitions()
                  .forEach(
                      p -> {
                        latest.put(
                            new TopicPartition(d.name(), p.partition()), OffsetSpec.latest());
                        earliest.put(
                            new TopicPartition(d.name(), p.partition()), OffsetSpec.earliest());
                      });
            });
    ListOffsetsOptions committedOnly = new ListOffsetsOptions(IsolationLevel.READ_COMMITTED);
    var ends = get(admin.listOffsets(latest, committedOnly).all());
    var starts = get(admin.listOffsets(earliest, committedOnly).all());
    Map<TopicPartition, OffsetAndMetadata> committed =
        get(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata());

    Map<TopicPartition, Range> behind = new LinkedHashMap<>();
    for (TopicPartition tp :
        latest.keySet().stream()
            .sorted(
                Comparator.comparing(TopicPartition::topic)
                    .thenComparingInt(TopicPartition::partition))
            .toList()) {
      OffsetAndMetadata at = committed.get(tp);
      long start = starts.get(tp).offset();
      // no commit yet: the executors start from the earliest record
      long from = at == null ? start : Math.max(start, at.offset());
      Set<Long> finished =
          at == null ? Set.of() : FinishedOffsets.decode(at.offset(), at.metadata());
      behind.put(tp, new Range(from, ends.get(tp).offset(), finished));
    }
    read(behind);
    List<Partition> partitions = new ArrayList<>();
    behind.forEach(
        (tp, r) -> {
          if (r.end > r.from) {
            partitions.add(
                new Partition(
                    tp.topic(),
                    tp.partition(),
                    r.from,
                    r.end,
                    Collections.unmodifiableMap(r.tenants),
                    r.readThrough));
          }
        });
    return new Look(now, group, List.copyOf(partitions), Map.copyOf(partitionCounts));
  }

  /**
   * Reads the keys of the records in each range, at most {@code readAtMost} in all, shared evenly.
   */
  private void read(Map<TopicPartition, Range> ranges) {
    List<TopicPartition> todo = new ArrayList<>();
    ranges.forEach(
        (tp, r) -> {
          if (r.end > r.from) {
            todo.add(tp);
          } else {
            r.readThrough = true;
          }
        });
    if (todo.isEmpty()) {
      return;
    }
    long share = Math.max(1, readAtMost / todo.size());
    if (consumer == null) {
      consumer = new KafkaConsumer<>(consumerProps, new StringDeserializer(), SKIPPED);
    }
    consumer.assign(todo);
    try {
      todo.forEach(tp -> consumer.seek(tp, ranges.get(tp).from));
      readKeys(ranges, todo, share);
    } finally {
      consumer.unsubscribe(); // nothing assigned or paused is left for the next look
    }
  }

  private void readKeys(Map<TopicPartition, Range> ranges, List<TopicPartition> todo, long share) {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    List<TopicPartition> open = new ArrayList<>(todo);
    while (!open.isEmpty() && System.nanoTime() < deadline) {
      for (ConsumerRecord<String, Void> rec : consumer.poll(Duration.ofMillis(100))) {
        TopicPartition tp = new TopicPartition(rec.topic(), rec.partition());
        Range r = ranges.get(tp);
        if (r.done || rec.offset() >= r.end) {
          continue;
        }
        r.read++;
        if (!r.finished.contains(rec.offset())) {
          r.tenants.merge(rec.key(), 1L, Long::sum); // a null key stays null
        }
        if (rec.offset() + 1 >= r.end) {
          r.done = true;
          r.readThrough = true;
        } else if (r.read >= share) {
          r.done = true; // its share is read: what follows is not attributed
        }
      }
      for (var it = open.iterator(); it.hasNext(); ) {
        TopicPartition tp = it.next();
        Range r = ranges.get(tp);
        if (!r.done && consumer.position(tp) >= r.end) {
          r.done = true; // only transaction markers or nothing were left
          r.readThrough = true;
        }
        if (r.done) {
          it.remove();
          consumer.pause(List.of(tp));
        }
      }
    }
  }

  private static final class Range {
    final long from;
    final long end;
    final Set<Long> finished;
    final Map<String, Long> tenants = new HashMap<>();
    long read;
    boolean done;
    boolean readThrough;

    Range(long from, long end, Set<Long> finished) {
      this.from = from;
      this.end = end;
      this.finished = finished;
    }
  }

  private static <T> T get(KafkaFuture<T> future)
      throws ExecutionException, TimeoutException, InterruptedException {
    return future.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public synchronized void close() {
    if (consumer != null) {
      consumer.close(Duration.ofSeconds(2));
    }
  }
}
