package io.jobline.history;

import io.jobline.run.Attempt;
import io.jobline.run.AuditEntry;
import io.jobline.run.JobStats;
import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import io.jobline.store.StatsStore;
import io.jobline.topic.Topics;
import io.jobline.wire.EventType;
import io.jobline.wire.RunEvent;
import io.jobline.wire.WireLimits;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Folds a run's request and events into its record ({@value HistoryTopology#RUNS_STORE} store),
 * keeps the statistics of the runs that ended ({@value HistoryTopology#STATS_STORE}, every few
 * seconds; what was counted since in {@link EndsJournal}), and writes both to MongoDB in batches —
 * when a batch is full, and before every commit of its task.
 *
 * <p>Crash safety: what changed since the last write is held in memory and written to MongoDB (and
 * to the state stores) from the {@link CommitHook}, which Kafka Streams calls as it prepares each
 * commit — before the exactly-once transaction with the consumed offsets commits. So MongoDB is
 * never behind a committed input; a crash after a write and before its commit only makes Streams
 * fold those inputs again and write the same again. Every write is idempotent (whole records by id,
 * absolute statistics), so writing twice counts nothing twice.
 *
 * <p>Poison ({@link RunWriter}): a record MongoDB refuses while a stripped copy of it is taken is
 * set aside — the stripped copy (status failed if it had not ended, the reason as its error) is
 * stored and kept, the original goes to {@code jobline.history.dlq} with the reason — and the
 * stream goes on. A store that refuses even the stripped copy is down: the write fails, the
 * transaction aborts, and it is tried again.
 */
final class HistoryProcessor implements Processor<String, RunInput, String, byte[]> {
  private static final Logger LOG = LoggerFactory.getLogger(HistoryProcessor.class);

  private final HistoryTopology.Sinks sinks;
  private final RunFold fold;
  private final int batchSize;
  private final QueuedHold hold;
  private ProcessorContext<String, byte[]> context;
  private RunState runs;
  private final long runStateRetentionMs;
  private final boolean overRunsAsStubs;
  private final HistoryMetrics metrics;
  private KeyValueStore<String, JobStats> stats;
  private EndsJournal journal;
  private KeyValueStore<String, String> holdNotes;
  private int partition;

  /** The held requests' span as last noted in {@link HistoryTopology#HOLD_STORE}. */
  private String noted;

  /** When (wall time) {@link #noted} was written, or read at start. */
  private long notedAt;

  private final long holdNoteEveryMs;
  private final Duration heldReadDeadline;

  /** How this task keeps up: when it is idle, and when it asks for a commit. */
  private final TaskPace pace;

  /** Runs changed since the last write, as they stand now (read from here before the store). */
  private final Map<String, RunRecord> dirtyRuns = new LinkedHashMap<>();

  /**
   * Statistics changed since the last write: per key, the runs that ended since, added to the
   * statistics in one go when they are written ({@link JobStats#plusAll}).
   */
  private final Map<String, List<RunRecord>> dirtyStats = new LinkedHashMap<>();

  /**
   * Statistics counted since they were last put in the state store, as they stand now: they are put
   * there every {@link #STORE_STATS_EVERY_MS}, and meanwhile what each write counted is in the
   * {@link EndsJournal}, committed with the runs.
   */
  private final Map<String, JobStats> unstoredStats = new LinkedHashMap<>();

  /**
   * Statistics committed (in the state store, or as its journal's ends) not yet written to MongoDB:
   * they are written every {@code history.statsInterval}, and all of a task's when it starts, so
   * one a crash kept from MongoDB is written by the next owner of the task.
   */
  private final Map<String, JobStats> unwrittenStats = new LinkedHashMap<>();

  private final long statsEveryMs;
  private long statsWritten = Long.MIN_VALUE;

  /**
   * How often the statistics are put in their state store at most. Each put is a changelog record
   * per job and per job and tenant; between puts the journal costs one record per write. At 2,000
   * runs a second (bench, 100 tenants) the statistics' changelog took 0.10–0.22 records per run put
   * with every commit; put every 5 s it took 0.01, and the journal 0.03–0.05.
   */
  static final long STORE_STATS_EVERY_MS = 5_000;

  private long statsStored = Long.MIN_VALUE;

  /** Whether to write the statistics with every commit now (a rebuild; a history stopping). */
  private final BooleanSupplier statsWithEveryCommit;

  private final List<AuditEntry> dirtyAudit = new ArrayList<>();

  /** Writes runs and their log lines, and sets aside what the store refuses. */
  private final RunWriter writer;

  HistoryProcessor(
      HistoryTopology.Sinks sinks,
      HistorySettings settings,
      HistoryMetrics metrics,
      boolean holding) {
    this(sinks, settings, metrics, holding, () -> false);
  }

  HistoryProcessor(
      HistoryTopology.Sinks sinks,
      HistorySettings settings,
      HistoryMetrics metrics,
      boolean holding,
      BooleanSupplier statsWithEveryCommit) {
    this.statsWithEveryCommit = statsWithEveryCommit;
    this.sinks = sinks;
    this.hold =
        new QueuedHold(
            holding ? settings.holdQueued.toMilliseconds() : 0,
            settings.holdQueuedWhileIdle.toMilliseconds(),
            settings.maxHeldPerTask,
            settings.maxHeldBytesPerTask.toBytes());
    this.pace = new TaskPace(settings.commitInterval.toMilliseconds());
    this.fold = new RunFold(settings.maxLogsPerRun);
    this.batchSize = settings.batchSize;
    this.statsEveryMs = settings.statsInterval.toMilliseconds();
    this.writer = new RunWriter(sinks, settings.maxLogsPerRun, metrics);
    this.copies =
        new LetGoCopies(
            settings.letGoCopies, settings.maxHeldBytesPerTask.toBytes(), LetGoCopies.MAX_AGE_MS);
    this.metrics = metrics;
    this.runStateRetentionMs = settings.runStateRetention.toMilliseconds();
    this.overRunsAsStubs = settings.overRunsAsStubs;
    this.holdNoteEveryMs = settings.holdNoteEvery.toMilliseconds();
    this.heldReadDeadline = Duration.ofMillis(settings.heldReadDeadline.toMilliseconds());
  }

  @Override
  public void init(ProcessorContext<String, byte[]> context) {
    this.context = context;
    this.runs =
        new RunState(
            context.getStateStore(HistoryTopology.RUNS_STORE),
            runStateRetentionMs,
            overRunsAsStubs);
    this.stats = context.getStateStore(HistoryTopology.STATS_STORE);
    this.journal = new EndsJournal(context.getStateStore(HistoryTopology.ENDS_STORE));
    this.holdNotes = context.getStateStore(HistoryTopology.HOLD_STORE);
    this.partition = context.taskId().partition();
    // Streams may init this processor again after it closed its task without a commit (a revived
    // task): what it kept in memory belongs to the void transaction, and its inputs come again
    dirtyRuns.clear();
    keptOnly.clear();
    awaitingRequest.clear();
    letGoQueued.clear();
    copies.clear();
    dirtyStats.clear();
    unstoredStats.clear();
    dirtyAudit.clear();
    unverified.clear();
    unwrittenStats.clear();
    statsWritten = Long.MIN_VALUE;
    statsStored = Long.MIN_VALUE;
    writer.forget();
    hold.clear();
    stopReadingAgain();
    streamFrom = -1;
    pace.start(context.currentSystemTimeMs());
    CommitHook hook = context.getStateStore(HistoryTopology.COMMIT_HOOK);
    hook.beforeCommit(
        () -> {
          pace.commitStarts(context.currentSystemTimeMs());
          flush();
          sendSetAside();
          noteHeld();
          pace.committed(context.currentSystemTimeMs());
        });
    keepAllStatsUnwritten();
    noted = holdNotes.get(HOLD_NOTE);
    notedAt = context.currentSystemTimeMs();
    HeldRequests.Span.parse(noted).ifPresent(this::holdAgain);
    // (a punctuation makes Streams commit at its own interval: an idle history commits as often)
    context.schedule(
        Duration.ofMillis(pace.checkEveryMs()),
        PunctuationType.WALL_CLOCK_TIME,
        at -> {
          pace.punctuates(at);
          forwardDeadLetters();
          readOnAgain();
          letGoDue(at);
          if (statsDue(at) && pace.idle(at)) {
            context.commit(); // its hook writes them (a busy task's next commit does anyway)
          }
          maybeCommit(at);
        });
  }

  private static final String HOLD_NOTE = "held";

  /** Asks Streams for a commit when this task's pace says so ({@link TaskPace#commitDue}). */
  private void maybeCommit(long now) {
    if (pace.commitDue(now)) {
      context.commit();
    }
  }

  /** Lets go the held runs that are due. */
  private void letGoDue(long now) {
    letGo(hold.due(context.currentStreamTimeMs(), now, pace.idle(now)));
  }

  /**
   * Notes, with the commit, the span of this partition's requests whose runs are held: a task
   * started over (after a crash or on another instance) reads them again from there up to where
   * history committed ({@link HeldRequests#read}). Noted at most every {@code
   * history.holdNoteEvery} (or when the wall clock went back), and at once when runs are held and
   * nothing is noted: requests are held in the order of their offsets, so a note's lowest offset
   * stays at or below every one held after it, and an older note only makes a task started over
   * read more again (runs written or in the state since are not held again).
   */
  private void noteHeld() {
    if (!hold.enabled() && noted == null) {
      return;
    }
    String note = hold.note();
    if (note == null ? noted == null : note.equals(noted)) {
      return;
    }
    long now = context.currentSystemTimeMs();
    if (noted != null && now >= notedAt && now - notedAt < holdNoteEveryMs) {
      return; // (what it notes still covers every run held)
    }
    if (note == null) {
      holdNotes.delete(HOLD_NOTE);
    } else {
      holdNotes.put(HOLD_NOTE, note);
    }
    noted = note;
    notedAt = now;
  }

  /**
   * Holds again the runs that were held at the last commit and not written since, read within
   * {@code history.heldReadDeadline}; the rest is read on between inputs ({@link #readOnAgain}).
   */
  private void holdAgain(HeldRequests.Span span) {
    HeldRequests.Reader reader = new HeldRequests.Reader(context.appConfigs(), partition, span);
    try {
      holdAgain(span, reader);
    } finally {
      if (readingAgain != reader) {
        reader.close();
      }
    }
  }

  private void holdAgain(HeldRequests.Span span, HeldRequests.Reader reader) {
    long now = context.currentSystemTimeMs();
    int[] again = {0};
    List<HeldRequests.Read> reads = new ArrayList<>();
    boolean all =
        reader.readFor(
            heldReadDeadline,
            Integer.MAX_VALUE,
            read -> {
              if (runs.get(read.runId()) == null && !dirtyRuns.containsKey(read.runId())) {
                reads.add(read); // (else written since, or not held at all)
              }
            });
    // a held run was never written: one MongoDB holds was written since (by a history whose state
    // this one has not, as after the upgrade to the run-state store)
    Set<String> written =
        sinks.runs().findAll(reads.stream().map(r -> r.runId()).toList()).keySet();
    reads.forEach(
        read -> {
          if (written.contains(read.runId())) {
            return;
          }
          RunRecord run;
          try {
            run = Carriage.fit(fold.apply(read.runId(), RunInput.of(read.request()), null));
          } catch (RuntimeException e) {
            return; // set aside when it was first read
          }
          if (hold.enabled()) {
            letGo(hold.hold(read.runId(), run, read.offset(), read.timestamp(), now));
          } else {
            letGo(List.of(run)); // holding was turned off meanwhile: written with the next commit
          }
          again[0]++;
        });
    if (all) {
      hold.read(reader.to() - 1); // (past the note's end when it was older than the last commit)
      LOG.info(
          "History task {} read again {} held request(s) at offsets {}-{} (noted {})",
          context.taskId(),
          again[0],
          span.from(),
          reader.to(),
          span.note());
    } else {
      hold.unread(reader.position(), reader.to());
      readingAgain = reader;
      LOG.warn(
          "History task {} read again {} held request(s) within {} ms, to offset {} of {}-{}"
              + " (noted {}); it reads the rest between its inputs",
          context.taskId(),
          again[0],
          heldReadDeadline.toMillis(),
          reader.position(),
          span.from(),
          reader.to(),
          span.note());
    }
  }

  /**
   * The read of the last note's requests, when {@link #holdAgain} could not read them all in time
   * (null: none is left). What it has not read yet stays in the task's note.
   */
  private HeldRequests.Reader readingAgain;

  /** The first offset of {@code jobline.requests} this task's stream read since it started (-1). */
  private long streamFrom = -1;

  /**
   * How long a stream thread's tasks may read again in all, per second ({@link #readOnAgain}): a
   * thread runs several tasks, each with its open transaction under exactly-once.
   */
  private static final long READ_AGAIN_MS_PER_SECOND = 250;

  /** Per stream thread: the second it reads again in (ms), and the ms read in it so far. */
  private static final ThreadLocal<long[]> READ_AGAIN_SPENT =
      ThreadLocal.withInitial(() -> new long[2]);

  /** The most requests one slice of {@link #readOnAgain} reads. */
  private static final int READ_AGAIN_SLICE_RECORDS = 5_000;

  /**
   * Reads on, for a slice of {@code history.heldReadDeadline} (the thread's tasks {@value
   * #READ_AGAIN_MS_PER_SECOND} ms a second at most), the requests {@link #holdAgain} could not read
   * in time, and folds them as the stream folds a request: the stream has read inputs since, so a
   * run may have its events already (its request goes onto them). A run neither here nor in MongoDB
   * is new, and written queued with the next write (not held: held runs are in the order of their
   * offsets); one MongoDB holds was written since, and one over with its request (a stub) needs it
   * no more.
   */
  private void readOnAgain() {
    if (readingAgain == null) {
      return;
    }
    long[] spent = READ_AGAIN_SPENT.get();
    long started = System.nanoTime();
    long second = TimeUnit.NANOSECONDS.toMillis(started) / 1000;
    if (spent[0] != second) {
      spent[0] = second;
      spent[1] = 0;
    }
    long budget =
        Math.min(
            Math.max(50, heldReadDeadline.toMillis() / 10), READ_AGAIN_MS_PER_SECOND - spent[1]);
    if (budget <= 0) {
      return;
    }
    if (streamFrom >= 0) {
      readingAgain.endAtMost(streamFrom);
    }
    List<HeldRequests.Read> reads = new ArrayList<>();
    boolean all;
    try {
      all = readingAgain.readFor(Duration.ofMillis(budget), READ_AGAIN_SLICE_RECORDS, reads::add);
    } finally {
      spent[1] += TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    }
    List<String> unknown =
        reads.stream().map(HeldRequests.Read::runId).filter(id -> peek(id) == null).toList();
    Set<String> written = unknown.isEmpty() ? Set.of() : sinks.runs().findAll(unknown).keySet();
    long now = context.currentSystemTimeMs();
    for (HeldRequests.Read read : reads) {
      if (!written.contains(read.runId()) && foldsOn(read)) {
        foldIn(
            read.runId(),
            new Record<>(read.runId(), RunInput.of(read.request()), read.timestamp()),
            now);
      }
    }
    if (all) {
      LOG.info(
          "History task {} read again the rest of its held requests, to offset {}",
          context.taskId(),
          readingAgain.to());
      stopReadingAgain();
    } else {
      hold.unread(readingAgain.position(), readingAgain.to());
    }
  }

  /** The run as it stands here, without taking it out of the hold (null: none). */
  private RunRecord peek(String runId) {
    RunRecord run = dirtyRuns.get(runId);
    if (run == null) {
      run = hold.peek(runId);
    }
    return run != null ? run : runs.get(runId);
  }

  /**
   * Whether a request read again is to be folded: not when the run is over with its request (a
   * stub), nor when it does not fold onto the run (set aside when the stream first read it).
   */
  private boolean foldsOn(HeldRequests.Read read) {
    RunRecord run = peek(read.runId());
    if (run != null && RunState.isStub(run)) {
      return false;
    }
    try {
      fold.apply(read.runId(), RunInput.of(read.request()), run);
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** Closes the read of the last note's requests, if one is open. */
  private void stopReadingAgain() {
    if (readingAgain != null) {
      readingAgain.close();
      readingAgain = null;
    }
    hold.allReadAgain();
  }

  /** Runs no longer held: written with the next batch (never over a newer state of one). */
  private void letGo(List<RunRecord> released) {
    for (RunRecord run : released) {
      String runId = run.runId().value();
      if (dirtyRuns.putIfAbsent(runId, run) == null) {
        letGoQueued.put(runId, run);
      }
    }
  }

  /**
   * Runs let go from the hold since the last write, as they were let go: written to MongoDB queued,
   * but not kept in the run state while nothing else changed them. A run that waited so long in the
   * executor's queue (a burst, a tenant at its cap) has MongoDB as its state until its next input,
   * which folds onto this task's copy of what it wrote ({@link #copies}) or, when the task has none
   * (started anew since, or out of room), reads it back with the other runs the state does not hold
   * ({@link #verify}, one read per write): one changelog record fewer per such run. A repeat of its
   * request (an idempotent retry, a chain step sent again) is held and let go again and writes the
   * same record, refused over a newer one by its rank; the hold's note skips the runs MongoDB holds
   * ({@link #holdAgain}).
   */
  private final Map<String, RunRecord> letGoQueued = new HashMap<>();

  /**
   * The runs let go and written queued, as written, while no input changed them: their next input
   * folds onto the copy instead of reading them back from MongoDB. Memory only; a task started anew
   * reads them back ({@link LetGoCopies}).
   */
  private final LetGoCopies copies;

  /**
   * Forwards the records set aside to {@code jobline.history.dlq}: from {@code process} or a
   * punctuation (Kafka Streams does not take a forward from the commit hook). A crash before they
   * go only makes the inputs that set them aside be folded, refused and set aside again.
   */
  private void forwardDeadLetters() {
    writer.takeDeadLetters().forEach(context::forward);
  }

  /**
   * Sends what is set aside and not yet forwarded before the commit (the last input read was set
   * aside): forwarded, it would go in the next transaction, and a crash before that one committed
   * lost it, the offsets past its input (found by review). Sent at once and acknowledged before the
   * commit ({@code deadLettersNow}); a crash between the two only sets it aside again. (A run
   * MongoDB refuses is sent before its stripped copy is stored: {@link RunWriter}.) Without that
   * sink (tests) it is forwarded as before.
   */
  private void sendSetAside() {
    if (sinks.deadLettersNow() != null) {
      List<Record<String, byte[]>> pending = writer.takeDeadLetters();
      if (!pending.isEmpty()) {
        sinks.deadLettersNow().accept(pending);
      }
    }
  }

  @Override
  public void process(Record<String, RunInput> record) {
    String runId = record.key();
    forwardDeadLetters();
    if (record.value() == null) {
      return;
    }
    RunEvent event = record.value().event();
    if (runId == null || (event != null && event.type() == null)) {
      // (found by review: filtered out before, without a word)
      setAside(
          runId == null ? "" : runId,
          record.value(),
          new IllegalArgumentException(
              runId == null
                  ? "an event needs its run id as its key"
                  : "an event needs a type (one history knows)"));
      return;
    }
    if (event != null && event.type() == EventType.AUDIT) {
      keepAudit(runId, event);
      return;
    }
    long now = context.currentSystemTimeMs();
    pace.read(now, record.timestamp());
    maybeCommit(now);
    foldIn(runId, record, now);
  }

  /** Folds an input into its run: written, held, or dropped as a copy of what was folded. */
  private void foldIn(String runId, Record<String, RunInput> record, long now) {
    long requestOffset = requestOffset(record.value());
    RunRecord before = current(runId);
    RunRecord stub = before != null && RunState.isStub(before) ? before : null;
    if (stub != null && RunState.holds(stub, record.value())) {
      return; // a copy of an event folded already (the whole run would not change either)
    }
    if (stub != null) {
      before = null; // folded onto the run as MongoDB holds it (verify)
    }
    Unverified unverified =
        before == null && (stub != null || mayBeStored(record.value()))
            ? new Unverified(stub)
            : null;
    if (unverified == null) {
      unverified = this.unverified.get(runId);
    }
    RunRecord after;
    try {
      after = Carriage.fit(fold.apply(runId, record.value(), before), before);
    } catch (RuntimeException e) {
      // a record no fold rule expected (a producer other than Jobline's): set aside, the stream
      // goes on
      writer.setAsideInput(runId, record.value(), e, context.currentSystemTimeMs());
      return;
    }
    if (unverified != null) {
      this.unverified.putIfAbsent(runId, unverified);
      unverified.inputs.add(record.value());
    }
    if (after.equals(before)) {
      if (record.value().request() != null
          && !dirtyRuns.containsKey(runId)
          && RunState.over(before)
          && !RunState.isStub(before)) {
        // the request of a run kept whole until it came (its end came first): now a stub
        keptOnly.put(runId, before);
      }
      return;
    }
    copies.remove(runId); // (changed: in the state from its next write)
    if (before == null
        && unverified == null
        && requestOffset >= 0
        && hold.enabled()
        && after.status() == RunStatus.QUEUED) {
      letGo(hold.hold(runId, after, requestOffset, record.timestamp(), now));
      letGoDue(now);
      writeIfBatchFull(); // (runs the hold let go count towards the batch too)
      return;
    }
    dirtyRuns.put(runId, after);
    if (endedNow(before, after) || namedNow(before, after)) {
      if (unverified == null) {
        count(after);
      } else if (unverified.stub == null) { // (a stub's run: told from the stub in verify)
        unverified.ended.add(after); // counted once it is known what run it is
      }
    }
    letGoDue(now);
    writeIfBatchFull();
  }

  /** Writes the runs changed since the last write once they are a batch. */
  private void writeIfBatchFull() {
    if (dirtyRuns.size() >= batchSize) {
      flush();
      forwardDeadLetters();
    }
  }

  /**
   * The run as it stands: changed since the last write, held, or in the state store. A held run
   * becomes a changed one, so it is written whatever this input does to it.
   */
  private RunRecord current(String runId) {
    RunRecord run = dirtyRuns.get(runId);
    if (run != null) {
      return run;
    }
    run = hold.take(runId);
    if (run != null) {
      dirtyRuns.put(runId, run);
      return run;
    }
    run = runs.get(runId);
    return run != null ? run : copies.get(runId, context.currentSystemTimeMs());
  }

  /**
   * Whether an input for a run the state does not hold may belong to a run MongoDB holds: an event,
   * or the request of a later attempt. The state keeps a run at least half of {@code
   * history.runStateRetention} after it last changed ({@link RunState}); a run retried by hand
   * after that, or one in flight when history's state was made anew (a new version's store, a
   * reset), must go on from what was written of it — its attempts, log lines and the sequence
   * numbers applied — not from nothing, whose bare record would rank above it and be written over
   * it. A first attempt's request is a new run.
   */
  private static boolean mayBeStored(RunInput input) {
    return input.request() == null || input.request().attemptOrFirst() > 1;
  }

  /**
   * A run folded from nothing since the last write whose input may belong to a run MongoDB holds
   * ({@link #mayBeStored}): the inputs folded since, and the runs' ends they made, counted when the
   * run is known ({@link #verify}).
   */
  private static final class Unverified {
    final List<RunInput> inputs = new ArrayList<>();
    final List<RunRecord> ended = new ArrayList<>();

    /**
     * The run's stub in the state ({@link RunState#stub}), else null: what was committed of it, so
     * what its inputs end is told from it, not from MongoDB (which may hold the fold of inputs a
     * crash undid the commit of).
     */
    final RunRecord stub;

    Unverified(RunRecord stub) {
      this.stub = stub;
    }
  }

  /**
   * The runs folded from nothing whose inputs may belong to runs MongoDB holds, by id. Most are
   * runs whose end came before their request (history folds a task's two topics by time, and waits
   * only {@code history.maxTaskIdle} for one that lags): one read of all of them per write rather
   * than a round trip each (the reads were 0.01–0.14 per run in the bench's bursts).
   */
  private final Map<String, Unverified> unverified = new LinkedHashMap<>();

  /**
   * Reads the runs folded from nothing that MongoDB may hold, in one go, folds their inputs again
   * onto those it holds, and counts the ends they made: an input that ended the stored run, or one
   * that is the end the stored run shows as its last — after a crash MongoDB may hold the fold of
   * inputs whose commit (and counts) the crash undid, folded here again. (So a copy of a run's end
   * that came after the run left the state would count twice.) A run MongoDB does not hold is new:
   * its ends count as folded. A stored run the inputs changed nothing of, and whose end they did
   * not count, is neither written nor kept in the state: its next input reads it again.
   */
  private void verify() {
    if (unverified.isEmpty()) {
      return;
    }
    metrics.readFromStore(unverified.size());
    Map<String, RunRecord> stored = sinks.runs().findAll(unverified.keySet());
    unverified.forEach(
        (runId, u) -> {
          RunRecord run = stored.get(runId);
          if (u.stub != null) {
            verifyStub(runId, u, run);
            return;
          }
          if (run == null) {
            u.ended.forEach(this::count); // a new run: its ends as folded
            if (u.inputs.stream().allMatch(i -> i.request() == null)) {
              awaitingRequest.add(runId);
            }
            return;
          }
          writer.written(run);
          RunRecord asStored = run;
          boolean counted = false;
          Set<String> endsCounted = new HashSet<>();
          for (RunInput input : u.inputs) {
            RunRecord before = run;
            try {
              run = Carriage.fit(fold.apply(runId, input, before));
            } catch (RuntimeException e) {
              setAside(runId, input, e);
              continue;
            }
            boolean endsNow = endedNow(before, run) || namedNow(before, run);
            boolean ended = endsNow || endedAgain(before, input.event());
            if (ended && input.event() != null && !endsCounted.add(endKey(input))) {
              ended = false; // a copy of an end counted in this stretch already
            }
            if (ended) {
              count(endsNow ? run : asEndedBy(run, input.event()));
              counted = true;
            }
          }
          if (!counted && run.equals(asStored)) {
            // MongoDB holds more of this run than the committed state and these inputs: the fold
            // of inputs a crash undid the commit (and the counts) of, which come again. Nothing to
            // write, and not kept in the state until an input changes it or an end counts: each of
            // those inputs, come again, is read back too, and its end counted (endedAgain), however
            // many writes and restarts come between (a run let go from the hold, started and ended
            // in a stretch a crash undid, comes back start first)
            dirtyRuns.remove(runId); // (its record folded from nothing)
            return;
          }
          dirtyRuns.put(runId, run); // kept in the state again
        });
    unverified.clear();
  }

  /**
   * Sets aside an input that folded onto nothing but not onto the run MongoDB holds (a request
   * naming another job than the run's), as {@code process} does one that folds onto the run the
   * state holds. (Found by review: it was only logged.)
   */
  private void setAside(String runId, RunInput input, RuntimeException e) {
    writer.setAsideInput(runId, input, e, context.currentSystemTimeMs());
  }

  /**
   * The inputs of a run whose stub the state holds, since the last write: folded onto the stub
   * (what was committed of the run), which tells what they ended, as the whole run would, and onto
   * the run as MongoDB holds it ({@code stored}), which is what is written. MongoDB may hold more
   * than the stub: the fold of inputs a crash undid the commit of, which come again. Then the state
   * keeps the stub moved on by these inputs, not the run from MongoDB, so that each of those
   * inputs, as it comes again, is folded onto the stub and its end counted; once the stub has
   * caught up with MongoDB (the same sequence numbers folded) the state takes the run from MongoDB
   * again. A run MongoDB no longer holds (deleted by the job-run retention since) is not written
   * again.
   */
  private void verifyStub(String runId, Unverified u, RunRecord stored) {
    if (stored != null) {
      writer.written(stored);
    }
    RunRecord committed = u.stub;
    RunRecord run = stored;
    for (RunInput input : u.inputs) {
      if (run != null) {
        RunRecord before = run;
        try {
          run = Carriage.fit(fold.apply(runId, input, before));
        } catch (RuntimeException e) {
          setAside(runId, input, e);
          continue; // (nor folded onto the stub: the run does not take it)
        }
      }
      RunRecord next = foldOrNull(runId, input, committed);
      if (next == null) {
        continue;
      }
      if (endedNow(committed, next) && run != null) {
        count(asEnded(run, next));
      }
      committed = next;
    }
    if (run == null) {
      dirtyRuns.remove(runId); // (its record folded from nothing)
      keptOnly.put(runId, RunState.stub(committed));
      return;
    }
    if (!run.equals(stored)) {
      dirtyRuns.put(runId, run);
    } else {
      dirtyRuns.remove(runId); // (nothing new to write)
    }
    boolean caughtUp = Objects.equals(run.appliedSeq(), committed.appliedSeq());
    RunRecord keep = caughtUp ? run : RunState.stub(committed);
    if ((RunState.isStub(keep) || RunState.over(keep)) && RunState.stub(keep).equals(u.stub)) {
      return; // (the state holds this stub already: a repeat of the run's request, say)
    }
    keptOnly.put(runId, keep);
  }

  /**
   * What an end told from a stub counts: the run as MongoDB holds it (its job, tenant, request),
   * with the status, times and error that end gave it — MongoDB may show a later end already.
   */
  private static RunRecord asEnded(RunRecord stored, RunRecord ended) {
    return new RunRecord(
        stored.runId(),
        stored.jobName(),
        stored.tenantId(),
        stored.params(),
        stored.trigger(),
        ended.status(),
        ended.attempt(),
        ended.epoch(),
        stored.executorId(),
        stored.requestedAt(),
        ended.startedAt(),
        ended.completedAt(),
        stored.result(),
        ended.error(),
        stored.progress(),
        stored.progressMessage(),
        stored.logs(),
        stored.logsTruncated(),
        stored.attempts(),
        stored.parentRunId(),
        ended.appliedSeq(),
        stored.options());
  }

  /**
   * Runs folded from events alone, new to MongoDB (an end folded before its request): kept whole in
   * the state with the next write, though over, so that their request folds onto them without a
   * read.
   */
  private final Set<String> awaitingRequest = new HashSet<>();

  /**
   * Runs put in the state with the next write as given here, not as written: a stub's run, whose
   * stub the state keeps ({@link #verifyStub}).
   */
  private final Map<String, RunRecord> keptOnly = new HashMap<>();

  /** An end's identity: its attempt, epoch and sequence number. */
  private static String endKey(RunInput input) {
    return RunFold.appliedKey(input.event()) + ":" + input.event().seq();
  }

  /** {@code input} folded onto {@code run}, or null when it does not fold (set aside when read). */
  private RunRecord foldOrNull(String runId, RunInput input, RunRecord run) {
    try {
      return fold.apply(runId, input, run);
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** The offset of a request read from {@code jobline.requests} (noted as read), else -1. */
  private long requestOffset(RunInput input) {
    if (input.request() == null) {
      return -1;
    }
    var meta = context.recordMetadata().orElse(null);
    if (meta == null || !Topics.REQUESTS.name().equals(meta.topic())) {
      return -1;
    }
    hold.read(meta.offset());
    if (streamFrom < 0) {
      streamFrom = meta.offset();
    }
    return meta.offset();
  }

  /**
   * Whether {@code event} is an end the stored run already folded in, as its last end or as the end
   * of one of its attempts: one a crash undid the commit (and the count) of after MongoDB was
   * written, folded again.
   */
  private static boolean endedAgain(RunRecord stored, RunEvent event) {
    if (event == null || !event.type().terminal()) {
      return false;
    }
    String ended = event.type().name().toLowerCase(Locale.ROOT);
    boolean asLast =
        stored.status() != null
            && stored.status().wire().equals(ended)
            && stored.attempt() == event.attempt();
    // or as an attempt's end the run went on from (a failure with a retry to come: the run reads
    // retrying, found by review: such an end folded again counted nothing)
    boolean asAttempt =
        stored.attempts() != null
            && stored.attempts().stream()
                .anyMatch(
                    a ->
                        a.attempt() == event.attempt()
                            && a.status() != null
                            && a.status().wire().equals(ended));
    return (asLast || asAttempt) && RunFold.folded(stored.appliedSeq(), event);
  }

  /**
   * The run as it stood when {@code end} ended the attempt it names: what counting that end takes
   * (the run may have gone on since, to a retry).
   */
  private static RunRecord asEndedBy(RunRecord run, RunEvent end) {
    String ended = end.type().name().toLowerCase(Locale.ROOT);
    if (run.status() != null
        && run.status().wire().equals(ended)
        && run.attempt() == end.attempt()) {
      return run;
    }
    Attempt a =
        run.attempts() == null
            ? null
            : run.attempts().stream()
                .filter(x -> x.attempt() == end.attempt() && x.status() != null)
                .filter(x -> x.status().wire().equals(ended))
                .findFirst()
                .orElse(null);
    if (a == null) {
      return run;
    }
    return new RunRecord(
        run.runId(),
        run.jobName(),
        run.tenantId(),
        run.params(),
        run.trigger(),
        a.status(),
        a.attempt(),
        a.epoch(),
        a.executorId(),
        run.requestedAt(),
        a.startedAt(),
        a.endedAt(),
        run.result(),
        a.error(),
        run.progress(),
        run.progressMessage(),
        run.logs(),
        run.logsTruncated(),
        run.attempts(),
        run.parentRunId(),
        run.appliedSeq(),
        run.options());
  }

  /**
   * Whether a run that ended before anything named its job (a cancel or refusal folded before its
   * request: such ends carry no job) has its job now. Its end was counted nowhere (statistics are
   * per job), so it is counted now (found by review: it never was).
   */
  private static boolean namedNow(RunRecord before, RunRecord after) {
    return before != null
        && before.jobName() == null
        && after.jobName() != null
        && before.status() != null
        && before.status().isTerminal()
        && after.status() != null
        && after.status().isTerminal();
  }

  private static boolean endedNow(RunRecord before, RunRecord after) {
    return after.status() != null
        && after.status().isTerminal()
        && (before == null || before.status() == null || !before.status().isTerminal());
  }

  /** Counts a run that ended in the statistics of its job, and of its job and tenant. */
  private void count(RunRecord run) {
    if (run.jobName() != null) {
      count(StatsStore.key(run.jobName(), null), run);
      count(StatsStore.key(run.jobName(), run.tenantId() == null ? "" : run.tenantId()), run);
    }
  }

  private void count(String key, RunRecord run) {
    dirtyStats.computeIfAbsent(key, k -> new ArrayList<>()).add(run);
  }

  /** The statistics of {@code key} as counted so far, or null (none yet). */
  private JobStats statsOf(String key) {
    JobStats current = unstoredStats.get(key);
    return current != null ? current : stats.get(key);
  }

  /** No statistics yet under {@code key}, for the job (and tenant) of {@code run}. */
  private static JobStats none(String key, RunRecord run) {
    return JobStats.empty(run.jobName(), key.contains("|tenant:") ? run.tenantId() : null);
  }

  /** An audit event is kept apart from runs, and written to the audit trail with the next batch. */
  private void keepAudit(String key, RunEvent event) {
    AuditEntry entry;
    try {
      entry = AuditEntry.from(event);
    } catch (RuntimeException e) {
      setAside(key, RunInput.of(event), e);
      return;
    }
    if (entry.auditId() == null || WireLimits.check("details", entry.details()).isPresent()) {
      // (found by review: these were left out with a line in the log only)
      setAside(
          key,
          RunInput.of(event),
          new IllegalArgumentException(
              entry.auditId() == null
                  ? "an audit event needs an audit_id"
                  : "an audit event's details cannot be stored: "
                      + WireLimits.check("details", entry.details()).orElseThrow()));
      return;
    }
    dirtyAudit.add(entry);
  }

  /**
   * Writes what changed to MongoDB, then to the state stores. Called before every commit (and when
   * a batch is full); a failed write throws, so the commit does not happen and the inputs are
   * folded again.
   */
  private void flush() {
    verify();
    if (dirtyRuns.isEmpty()
        && keptOnly.isEmpty()
        && dirtyStats.isEmpty()
        && dirtyAudit.isEmpty()
        && unwrittenStats.isEmpty()
        && unstoredStats.isEmpty()) {
      return;
    }
    Map<String, RunRecord> setAside =
        writer.write(
            new ArrayList<>(dirtyRuns.values()),
            Instant.ofEpochMilli(context.currentSystemTimeMs()));
    setAside.forEach(
        (id, copy) -> {
          // a run that had not ended is stored failed (the reason as its error): an end, counted
          // as the fold counts one (found by review: it was never counted)
          RunRecord was = dirtyRuns.get(id);
          if (was != null && endedNow(was, copy)) {
            count(copy);
          }
        });
    dirtyRuns.putAll(setAside);
    sinks.audit().accept(List.copyOf(dirtyAudit));
    // (stream time, but never more than an hour past the wall clock: one record from the future
    // would let the store drop every run it holds at once)
    long wallClock = context.currentSystemTimeMs();
    long streamTime = Math.min(context.currentStreamTimeMs(), wallClock + RunState.BUCKET_MS);
    dirtyRuns.forEach(
        (id, run) -> {
          if (keptOnly.containsKey(id)) {
            return; // (put below as kept)
          }
          if (awaitingRequest.contains(id)) {
            runs.putWhole(id, run, streamTime);
          } else if (letGoQueued.get(id) != run) {
            runs.put(id, run, streamTime);
          } else if (!writer.notWritten(id)) { // (the same record: nothing changed it since)
            copies.keep(run, wallClock);
          }
        });
    // (a whole run kept as written: its stripped copy if MongoDB refused it)
    keptOnly.forEach(
        (id, run) ->
            runs.put(id, RunState.isStub(run) ? run : dirtyRuns.getOrDefault(id, run), streamTime));
    keptOnly.clear();
    awaitingRequest.clear();
    letGoQueued.clear();
    runs.forget();
    Map<String, JobStats> counted = countedIn(dirtyStats);
    counted.forEach(this::addUp);
    // (a note too large for one record, as of many failures with long errors: stored instead)
    if (storeDue(wallClock) || !journal.add(counted)) {
      unstoredStats.forEach(stats::put);
      unstoredStats.clear();
      journal.stored();
      statsStored = wallClock;
    }
    dirtyRuns.clear();
    dirtyStats.clear();
    dirtyAudit.clear();
    if (statsDue(wallClock)) {
      writeStats(wallClock);
    }
  }

  /**
   * Whether to put the statistics counted since they were last stored in the state store (in place
   * of the journal's entries): every {@link #STORE_STATS_EVERY_MS} ({@code history.statsInterval}
   * when longer), at a task's first write, and with every commit while statistics are written with
   * every commit (a history stopping leaves no entries to a version that does not read them).
   */
  private boolean storeDue(long now) {
    return !unstoredStats.isEmpty()
        && (statsStored == Long.MIN_VALUE
            || now < statsStored // a wall clock set back
            || now - statsStored >= Math.max(STORE_STATS_EVERY_MS, statsEveryMs)
            || statsWithEveryCommit.getAsBoolean());
  }

  /** The statistics of only the runs that ended, per key. */
  private static Map<String, JobStats> countedIn(Map<String, List<RunRecord>> ended) {
    Map<String, JobStats> counted = new LinkedHashMap<>();
    ended.forEach((key, runs) -> counted.put(key, none(key, runs.get(0)).plusAll(runs)));
    return counted;
  }

  /**
   * Adds the statistics of runs that ended later, {@code later}, to those of {@code key} counted so
   * far: from a write, or from the journal at a task's start.
   */
  private void addUp(String key, JobStats later) {
    JobStats before = statsOf(key);
    JobStats now = before != null ? before.then(later) : later;
    unstoredStats.put(key, now);
    unwrittenStats.put(key, now);
  }

  /**
   * Writes the statistics not yet written to MongoDB (when {@code history.statsInterval} has passed
   * since the last write). They are absolute, so writing them late, or twice, counts nothing twice.
   */
  private void writeStats(long now) {
    List<StatsStore.Part> parts = new ArrayList<>(unwrittenStats.size());
    unwrittenStats.forEach((key, s) -> parts.add(new StatsStore.Part(key, partition, s)));
    sinks.stats().accept(parts);
    unwrittenStats.clear();
    statsWritten = now;
  }

  private boolean statsDue(long now) {
    return !unwrittenStats.isEmpty()
        && (statsWritten == Long.MIN_VALUE
            || now < statsWritten // a wall clock set back
            || now - statsWritten >= statsEveryMs
            || statsWithEveryCommit.getAsBoolean());
  }

  /**
   * Takes all of the task's statistics as committed (at its start: its state store's, and its
   * journal's ends added to them) to be written with its first commit: those a previous owner
   * committed but had not written yet reach MongoDB.
   */
  private void keepAllStatsUnwritten() {
    try (KeyValueIterator<String, JobStats> all = stats.all()) {
      all.forEachRemaining(kv -> unwrittenStats.put(kv.key, kv.value));
    }
    journal.replay(this::addUp);
  }

  @Override
  public void close() {
    stopReadingAgain();
    // the task's last commit already called the hook. Statistics kept since the last write are not
    // written here: a task may close after a failure, or fenced, when what it kept may be newer
    // than
    // what was committed or older than what its next owner wrote. Its next owner writes all the
    // state store holds with its first commit; a history that stops writes them with its last
    // commits (statsWithEveryCommit).
  }
}
