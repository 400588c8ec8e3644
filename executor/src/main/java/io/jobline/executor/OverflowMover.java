package io.jobline.executor;

import io.jobline.topic.Topics;
import io.jobline.wire.JobRequest;
import io.jobline.wire.WireLimits;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongPredicate;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves the requests of a tenant with a backlog here to the overflow lane, in the transaction that
 * commits their offsets (poll thread only): a move, never a copy or a loss. A moved request keeps
 * its key, partition number, timestamp and, through the {@link Origin} header, the run id it would
 * have had where it was first read. Requests read wait in a {@link MoveQueue} and move between
 * polls ({@link #moveSome}), so reading goes on past a burst while it moves.
 */
final class OverflowMover {
  private static final Logger LOG = LoggerFactory.getLogger(OverflowMover.class);

  /** Records behind a partition's position at which reading has not caught up. */
  static final long READ_FIRST_WHILE_BEHIND = 500;

  /** How long the poll thread moves requests between polls while reading has not caught up. */
  private static final long MOVE_WHILE_READING = 1_000_000L;

  /** How long it moves them between polls once reading has caught up. */
  private static final long MOVE_WHEN_CAUGHT_UP = 25_000_000L;

  private final String executorId;
  private final Dispatcher dispatcher;
  private final EventTransaction transaction;
  private final boolean overflowAligned;
  private final OffsetTracker offsets;
  private final MoveQueue queue;
  private final AtomicLong moved = new AtomicLong();

  /**
   * The run attempts ({@link Pending#claimKey}) of the requests moved aside lately, with where each
   * was read, the oldest first ({@link #REMEMBERED} at most): a copy of one read later follows it
   * ({@link #movedAside}).
   */
  private final LinkedHashMap<String, MovedFrom> movedKeys = new LinkedHashMap<>();

  /** How many of {@link #movedKeys} each tenant of each partition has. */
  private final Map<TopicPartition, Map<String, Integer>> movedByTenant = new HashMap<>();

  /**
   * The keys of {@link #movedKeys} moved in the open transaction: a void takes back their moves
   * ({@link #forgetUncommitted}), and a commit makes them stand ({@link #committed}).
   */
  private final List<String> movedSinceCommit = new ArrayList<>();

  /** How many run attempts moved aside it remembers (as many as the ends it remembers). */
  static final int REMEMBERED = 50_000;

  private record MovedFrom(TopicPartition tp, String tenantKey) {}

  private long lastReportNanos = System.nanoTime();
  private long movedAtLastReport;

  /**
   * @param overflowAligned whether the overflow lane has as many partitions as the main lane (a
   *     moved request then keeps its partition number)
   */
  OverflowMover(
      String executorId,
      Dispatcher dispatcher,
      EventTransaction transaction,
      boolean overflowAligned,
      OffsetTracker offsets,
      MoveQueue queue) {
    this.executorId = executorId;
    this.dispatcher = dispatcher;
    this.transaction = transaction;
    this.overflowAligned = overflowAligned;
    this.offsets = offsets;
    this.queue = queue;
  }

  MoveQueue queue() {
    return queue;
  }

  /** Whether the tenant's next request on this partition waits to be moved behind earlier ones. */
  boolean holds(TopicPartition tp, String tenantKey) {
    return queue.holds(tp, tenantKey);
  }

  /**
   * Takes a request to move between polls ({@link #moveSome}); its offset is unfinished till then.
   *
   * @param claimKey the run attempt it names ({@link RequestReader#claimKeyOf}), or null
   * @param follows whether it only follows a copy moved before: the tenant's next requests stay
   *     where its share says (found by review: they joined it, and waited to move)
   */
  void defer(
      TopicPartition tp,
      String tenantKey,
      ConsumerRecord<byte[], byte[]> record,
      String claimKey,
      boolean follows) {
    offsets.deferred(tp, record.offset());
    queue.add(tp, tenantKey, record, claimKey, follows); // (remembered once it moves)
  }

  /**
   * Whether a request of the tenant read at {@code tp} may be a copy of one moved aside lately (the
   * run attempt it names is then worth reading: {@link #movedAside}).
   */
  boolean mayHaveMovedFor(TopicPartition tp, String tenantKey) {
    Map<String, Integer> tenants = movedByTenant.get(tp);
    return tenants != null && tenants.containsKey(tenantKey);
  }

  /**
   * Whether a request of this run attempt was moved aside lately. A copy read later follows it
   * rather than wait in the main lane, however few of its tenant's requests wait there by then: the
   * overflow partition's executor, which knows nothing of the main lane's, would run the one moved
   * while this one ran here, and it runs one of two copies it reads (found by review).
   */
  boolean movedAside(String claimKey) {
    return claimKey != null && movedKeys.containsKey(claimKey);
  }

  /** Forgets the moves from {@code partitions}: they went to another executor. */
  void forget(Collection<TopicPartition> partitions) {
    for (TopicPartition tp : partitions) {
      if (movedByTenant.remove(tp) != null) {
        movedKeys.values().removeIf(m -> m.tp().equals(tp));
      }
    }
  }

  /** The open transaction committed: its moves stand. */
  void committed() {
    movedSinceCommit.clear();
  }

  /**
   * Forgets the moves of the open transaction, which was voided: their requests are read again
   * where they were (the moves committed before stand, and are still remembered; found by review).
   */
  void forgetUncommitted() {
    movedSinceCommit.forEach(key -> unremember(movedKeys.remove(key)));
    movedSinceCommit.clear();
  }

  private void remember(TopicPartition tp, String tenantKey, String claimKey) {
    if (claimKey == null || movedKeys.containsKey(claimKey)) {
      return;
    }
    movedKeys.put(claimKey, new MovedFrom(tp, tenantKey));
    movedSinceCommit.add(claimKey);
    movedByTenant.computeIfAbsent(tp, t -> new HashMap<>()).merge(tenantKey, 1, Integer::sum);
    if (movedKeys.size() > REMEMBERED) {
      var eldest = movedKeys.entrySet().iterator();
      MovedFrom gone = eldest.next().getValue();
      eldest.remove();
      unremember(gone);
    }
  }

  private void unremember(MovedFrom from) {
    if (from == null) {
      return;
    }
    Map<String, Integer> tenants = movedByTenant.get(from.tp());
    if (tenants != null && tenants.merge(from.tenantKey(), -1, Integer::sum) <= 0) {
      tenants.remove(from.tenantKey());
      if (tenants.isEmpty()) {
        movedByTenant.remove(from.tp());
      }
    }
  }

  /**
   * Moves requests waiting in the move queue to the overflow lane. Reading comes first: while a
   * partition read still has {@link #READ_FIRST_WHILE_BEHIND} records or more behind it ({@code
   * behind}), only a trickle moves (unless the queue is full), so the poll thread reads on past a
   * burst and the other tenants' requests behind it start; once reading has caught up, it moves for
   * longer between polls.
   */
  void moveBetweenPolls(LongPredicate behind) {
    if (queue.isEmpty()) {
      return;
    }
    long budget =
        !queue.isFull() && behind.test(READ_FIRST_WHILE_BEHIND)
            ? MOVE_WHILE_READING
            : MOVE_WHEN_CAUGHT_UP;
    moveSome(System.nanoTime() + budget);
  }

  /**
   * Moves requests waiting in the queue, the oldest of each partition first, until {@code
   * deadlineNanos} ({@link System#nanoTime()}) or the open transaction holds enough moves.
   *
   * @return how many moved
   */
  int moveSome(long deadlineNanos) {
    int n = 0;
    while (!queue.isEmpty() && !transaction.movedEnough()) {
      MoveQueue.Waiting w = queue.next();
      move(w.record(), w.tenantKey());
      remember(
          new TopicPartition(w.record().topic(), w.record().partition()),
          w.tenantKey(),
          w.claimKey());
      offsets.moved(
          new TopicPartition(w.record().topic(), w.record().partition()), w.record().offset());
      if ((++n & 63) == 0 && System.nanoTime() - deadlineNanos >= 0) {
        break;
      }
    }
    return n;
  }

  long moved() {
    return moved.get();
  }

  /**
   * Whether a record may be moved as it came ({@link #move(ConsumerRecord, String)}): a value no
   * larger than a request an executor runs, and a key and headers within {@link
   * DeadLetters#MAX_HEADER_BYTES}. A larger one is taken where it is (run, or refused): its copy
   * could be over what the producer sends, which voids the transaction, every time the record is
   * read again (headers found by review).
   */
  static boolean fitsAMove(ConsumerRecord<byte[], byte[]> record) {
    if (record.serializedValueSize() > WireLimits.MAX_REQUEST_BYTES) {
      return false;
    }
    long rest = DeadLetters.MAX_HEADER_BYTES - (long) Math.max(0, record.serializedKeySize());
    for (Header h : record.headers()) {
      rest -= DeadLetters.headerBytes(h);
      if (rest < 0) {
        return false;
      }
    }
    return rest >= 0;
  }

  /**
   * Moves a request as it came — unread, so the move is cheap — with its timestamp (the request
   * time of a record without one) and a header naming where it was first read.
   */
  void move(ConsumerRecord<byte[], byte[]> record, String tenantKey) {
    RecordHeaders headers = new RecordHeaders(record.headers().toArray());
    headers.remove(Origin.HEADER);
    headers.remove(Origin.EPOCH_HEADER);
    headers.add(Origin.HEADER, Origin.of(record.topic(), record.partition(), record.offset()));
    headers.add(
        Origin.EPOCH_HEADER,
        Origin.epoch(
            dispatcher.leaseEpoch(new TopicPartition(record.topic(), record.partition()))));
    transaction.move(
        new ProducerRecord<>(
            Topics.REQUESTS_OVERFLOW.name(),
            overflowAligned ? record.partition() : null,
            record.timestamp() >= 0 ? record.timestamp() : null,
            tenantKey.getBytes(StandardCharsets.UTF_8),
            record.value(),
            headers));
    moved.incrementAndGet();
  }

  /**
   * Moves the requests of an overflowing tenant still waiting in the main lane too (before the
   * record that found it overflowing, so its order holds): waiting, they would keep their
   * partition's committed offset back while the offsets after them are moved on, and a backlog of
   * such offsets cannot all be remembered in the commit.
   */
  void moveWaiting(String tenantKey) {
    move(dispatcher.takeToMove(p -> tenantKey.equals(p.tenantKey()) && movable(p)));
  }

  /**
   * Moves the main lane's requests of jobs with a concurrency cap beyond the first {@code keep} of
   * each job (called while the main lane is too full to read). Each tenant stays within its share,
   * so nothing else moves them: ten tenants' requests of one job capped at one run at a time filled
   * the main lane's requests in flight, and no other tenant's request was read until that job had
   * worked through them (found by review).
   *
   * @return how many moved
   */
  int moveCapped(int keep) {
    if (keep <= 0) {
      return 0;
    }
    List<Pending> moving = dispatcher.takeToMove(cappedBeyond(keep, this::movable));
    move(moving);
    if (!moving.isEmpty()) {
      LOG.debug(
          "Executor {} moved {} requests of jobs with a concurrency cap to the overflow lane: the"
              + " main lane was full",
          executorId,
          moving.size());
    }
    return moving.size();
  }

  /**
   * Picks, in queue order, the main lane's requests of jobs with a concurrency cap after the first
   * {@code keep} (or the cap, if more) of each job, among those {@code movable} picks.
   */
  static Predicate<Pending> cappedBeyond(int keep, Predicate<Pending> movable) {
    Map<String, Integer> seen = new HashMap<>();
    return p -> {
      int cap = p.job().descriptor().maxConcurrency();
      return cap > 0
          && !Lanes.isOverflow(p.partition())
          && seen.merge(p.job().name(), 1, Integer::sum) > Math.max(keep, cap)
          && movable.test(p);
    };
  }

  /** Whether a waiting request may move: it waits in the main lane, for nothing but a slot. */
  private boolean movable(Pending p) {
    return !Lanes.isOverflow(p.partition())
        && p.notBefore() == null
        && p.elsewhere() == null
        && p.claimEpoch() == 0
        && !offsets.readAgain(p.partition(), p.offset());
  }

  private void move(List<Pending> moving) {
    for (Pending p : moving) {
      remember(p.partition(), p.tenantKey(), p.claimKey());
      JobRequest r = p.request();
      RecordHeaders headers = new RecordHeaders();
      headers.add(
          Origin.HEADER, Origin.of(p.partition().topic(), p.partition().partition(), p.offset()));
      headers.add(Origin.EPOCH_HEADER, Origin.epoch(dispatcher.leaseEpoch(p.partition())));
      transaction.move(
          new ProducerRecord<>(
              Topics.REQUESTS_OVERFLOW.name(),
              overflowAligned ? p.partition().partition() : null,
              timestampOf(r.requestedAt(), dispatcher.now().toEpochMilli()),
              p.tenantKey().getBytes(StandardCharsets.UTF_8),
              Topics.REQUESTS.valueSerde().serializer().serialize(Topics.REQUESTS.name(), r),
              headers));
      moved.incrementAndGet();
      p.done().run();
    }
  }

  /**
   * The timestamp a moved request carries: its request time, unless that is before 1970 (the
   * producer refuses a negative timestamp, and the poll loop stopped at it, again after every
   * restart) or ahead of now (a broker refuses one too far ahead, voiding the transaction): then
   * none, and the broker's time is its record's (found by review). The request keeps its own time.
   */
  static Long timestampOf(Instant requestedAt, long nowMillis) {
    if (requestedAt == null
        || requestedAt.isBefore(Instant.EPOCH)
        || requestedAt.isAfter(Instant.ofEpochMilli(nowMillis))) {
      return null;
    }
    return requestedAt.toEpochMilli();
  }

  /** Says every 10 s how many requests went to the overflow lane since, if any did. */
  void report(OverflowPace pace) {
    long now = System.nanoTime();
    if (now - lastReportNanos < 10_000_000_000L) {
      return;
    }
    long total = moved.get();
    if (total > movedAtLastReport) {
      LOG.info(
          "Executor {} moved {} requests of tenants with a backlog to the overflow lane in {} s; its"
              + " pace is {} runs/s",
          executorId,
          total - movedAtLastReport,
          (now - lastReportNanos) / 1_000_000_000L,
          Math.round(pace.perSecond()));
    }
    movedAtLastReport = total;
    lastReportNanos = now;
  }
}
