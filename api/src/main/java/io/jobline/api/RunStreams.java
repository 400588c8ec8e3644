package io.jobline.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies.SnakeCaseStrategy;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.jobline.api.auth.Caller;
import io.jobline.run.LogEntry;
import io.jobline.run.RunRecord;
import io.jobline.store.RunStore;
import io.jobline.wire.Json;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every live run stream of this api ({@code GET /jobs/runs/{id}/stream}), served by one scheduler
 * thread that polls the run store for all of them: no thread waits on an idle stream. Each change
 * is written and flushed as the poll sees it, as a server-sent event with an {@code id:} to resume
 * from.
 *
 * <p>Writes never wait for a client: a stream is given more only once its client has taken what it
 * was given (the events are in the store, so one that falls behind catches up from there, at most
 * {@link #TURN_CHARS} at a time), and a client that takes nothing for {@link Timing#stall()} is cut
 * off and its slot freed. So a client that stops reading holds up no other stream.
 *
 * <p>A stream ends when its run does, not when an attempt does: an attempt that failed or timed out
 * with a retry still to come ({@link PendingRetry}) shows as a {@code status} event, and the stream
 * goes on through the retry. Only the run's last attempt ends it.
 *
 * <p>A run not found for {@link Timing#notFound()} ends its stream with "no such run" (a stream
 * resumed from an id waits {@link #RESUMED_UNSEEN} times as long), unless the stream has shown it:
 * a run seen once exists, and its stream waits for it to show again.
 *
 * <p>History keeps a run's first log lines only: past them, the run's progress is streamed as it
 * changes, and a {@code truncated} event says once that lines are left out.
 */
public final class RunStreams implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RunStreams.class);

  /**
   * How often the store is read for every open stream; how often an idle stream is probed with a
   * blank line (to notice a client that left); how often it gets a heartbeat comment; how long a
   * run that is not there yet is waited for; how long a stream may stay open at most; and how long
   * a client may leave what it was sent untaken before it is cut off.
   */
  public record Timing(
      Duration poll,
      Duration probe,
      Duration heartbeat,
      Duration notFound,
      Duration longest,
      Duration stall) {
    public static final Timing DEFAULT =
        new Timing(
            Duration.ofMillis(250),
            Duration.ofSeconds(1),
            Duration.ofSeconds(15),
            Duration.ofSeconds(30),
            Duration.ofHours(6),
            Duration.ofSeconds(20));
  }

  /**
   * Frames written to one stream in one turn (one frame may take it past); the rest follow in later
   * turns.
   */
  static final int TURN_CHARS = 64 * 1024;

  /** Where a stream's frames go: the client's response, or a test's buffer. */
  interface Sink {
    /**
     * Hands frames to the client without waiting for it to take them.
     *
     * @throws IOException when the client is known to have gone
     */
    void write(String frames) throws IOException;

    /** Whether the client has taken everything written so far: only then is it written more. */
    boolean ready();

    boolean isClosed();

    /** Ends the response once what was written has gone out (or the connection fails). */
    void close() throws IOException;

    /** Ends the response now, with whatever the client has not taken. */
    void cutOff();
  }

  private final RunStore runs;
  private final Function<String, Optional<RunRecord>> queued;
  private final UnaryOperator<RunRecord> fresher;
  private final StreamSlots slots;
  private final Timing timing;
  private final ScheduledExecutorService scheduler;
  private final LongSupplier nanos;
  private final Queue<Stream> opened = new ConcurrentLinkedQueue<>();

  /** Touched by the scheduler thread only. */
  private final List<Stream> open = new ArrayList<>();

  /**
   * @param queued a run this api accepted that history has not written yet ({@link
   *     AcceptedRuns#kept}): streamed as queued meanwhile, not ended as "no such run"
   * @param fresher a run as history wrote it, as this api knows it now ({@link
   *     AcceptedRuns#fresher}): a run it asked to retry is not ended while history still shows it
   *     ended
   */
  public RunStreams(
      RunStore runs,
      Function<String, Optional<RunRecord>> queued,
      UnaryOperator<RunRecord> fresher,
      ApiLimits limits,
      Timing timing,
      ScheduledExecutorService scheduler) {
    this(runs, queued, fresher, limits, timing, scheduler, System::nanoTime);
  }

  /**
   * @param nanos the time in nanoseconds, as {@link System#nanoTime()} tells it (tests move it by
   *     hand)
   */
  RunStreams(
      RunStore runs,
      Function<String, Optional<RunRecord>> queued,
      UnaryOperator<RunRecord> fresher,
      ApiLimits limits,
      Timing timing,
      ScheduledExecutorService scheduler,
      LongSupplier nanos) {
    this.nanos = nanos;
    this.runs = runs;
    this.queued = queued;
    this.fresher = fresher;
    this.slots = new StreamSlots(limits);
    this.timing = timing;
    this.scheduler = scheduler;
    scheduler.scheduleWithFixedDelay(
        this::pollSafely,
        timing.poll().toMillis(),
        timing.poll().toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /**
   * Opens a stream of {@code runId} for {@code caller} from {@code from} on the response of {@code
   * request}, which the servlet container has been asked to keep open (its async context is
   * started); the scheduler writes to it.
   *
   * @param known whether the run was found as the stream opened (in history, or as a request
   *     accepted a moment ago): a stream of a run known to exist never ends "no such run"
   * @throws ApiException 429 when the caller or the api holds as many streams as allowed
   */
  void open(
      String runId, Caller caller, StreamPosition from, HttpServletRequest request, boolean known) {
    slots.acquire(caller);
    Sink sink;
    try {
      sink = ServletSink.start(request);
    } catch (IOException | RuntimeException e) {
      slots.release(caller);
      throw e instanceof RuntimeException r ? r : new UncheckedIOException((IOException) e);
    }
    opened(runId, caller, from, sink, known);
  }

  /**
   * Opens a stream writing to {@code sink}, of a run not known yet; see {@link #open(String,
   * Caller, StreamPosition, Sink, boolean)}.
   */
  void open(String runId, Caller caller, StreamPosition from, Sink sink) {
    open(runId, caller, from, sink, false);
  }

  /**
   * Opens a stream writing to {@code sink}; see {@link #open(String, Caller, StreamPosition,
   * HttpServletRequest, boolean)}.
   */
  void open(String runId, Caller caller, StreamPosition from, Sink sink, boolean known) {
    slots.acquire(caller);
    opened(runId, caller, from, sink, known);
  }

  private void opened(String runId, Caller caller, StreamPosition from, Sink sink, boolean known) {
    Stream s =
        new Stream(runId, caller, sink, from, nanos.getAsLong(), timing.notFound().toNanos());
    // (found by review: a resumed stream of a run found as it opened, that then dropped out of
    // sight, history further behind than the api that accepted it keeps it, ended "no such run")
    s.shown = known;
    try {
      sink.write("retry: 2000\n\n"); // commits the response: the client sees its 200 at once
    } catch (IOException e) {
      slots.release(caller);
      throw new UncheckedIOException(e);
    }
    opened.add(s);
    scheduler.execute(this::pollSafely); // the first events go out without waiting a whole poll
  }

  /** How many streams are open (for tests and metrics). */
  public int openStreams() {
    return slots.open();
  }

  private void pollSafely() {
    try {
      poll();
    } catch (RuntimeException e) {
      LOG.warn("Polling the run streams failed; trying again at the next poll", e);
    }
  }

  private void catchUpSafely() {
    try {
      turn(true);
    } catch (RuntimeException e) {
      LOG.warn(
          "Writing to the run streams that are behind failed; trying again at the next poll", e);
    }
  }

  /** Writes what changed to every open stream, and closes those that ended or whose client left. */
  void poll() {
    turn(false);
  }

  /**
   * One turn of every open stream, or only of those behind their run's log: writes what their
   * clients can take; closes those that ended, whose client left or stopped taking anything.
   * Streams still behind whose clients took all they were given get another turn at once.
   */
  private synchronized void turn(boolean behindOnly) {
    for (Stream s; (s = opened.poll()) != null; ) {
      open.add(s);
    }
    long now = nanos.getAsLong();
    boolean again = false;
    Map<String, RunRecord> read = read(behindOnly);
    for (Iterator<Stream> it = open.iterator(); it.hasNext(); ) {
      Stream s = it.next();
      if (behindOnly && !s.behind) {
        continue;
      }
      boolean done;
      try {
        done = s.out.isClosed() || advance(s, now, read);
      } catch (IOException e) {
        done = true; // the client went away
      } catch (RuntimeException e) {
        // (what this api keeps of the run could not be read: the stream waits for the next turn)
        LOG.debug("Could not read run {} for its stream", s.runId, e);
        done = false;
      }
      if (done) {
        it.remove();
        close(s);
      } else {
        again |= s.behind && s.out.ready();
      }
    }
    if (again) {
      scheduler.execute(this::catchUpSafely);
    }
  }

  /** How many times longer a resumed stream waits for a run it has not seen than a new one. */
  static final int RESUMED_UNSEEN = 4;

  /**
   * The runs of the streams of this turn as history has them, in one read; null when the store
   * could not be read. (Found by review: read one by one, each read waiting up to seconds while the
   * store was down, a turn took that long for each open stream, and the clients that left were not
   * noticed, their slots held, until every other read had failed.)
   */
  private Map<String, RunRecord> read(boolean behindOnly) {
    Set<String> ids = new HashSet<>();
    for (Stream s : open) {
      if ((!behindOnly || s.behind) && !s.out.isClosed()) {
        ids.add(s.runId);
      }
    }
    if (ids.isEmpty()) {
      return Map.of();
    }
    try {
      return runs.findAll(ids);
    } catch (RuntimeException e) {
      LOG.debug(
          "Could not read the runs of {} streams; they wait for the next turn", ids.size(), e);
      return null;
    }
  }

  /**
   * Writes what changed since the last poll; true when the stream ended or its client is cut off.
   * {@code read}: the runs as history has them, or null when they could not be read (the client is
   * then only told the stream is alive, which finds out whether it is still there).
   */
  private boolean advance(Stream s, long now, Map<String, RunRecord> read) throws IOException {
    if (now - s.openedAt > timing.longest().toNanos()) {
      return true;
    }
    if (!s.out.ready()) {
      // the client has not taken what it was given: it gets nothing more, and is cut off if it
      // stays so
      if (s.stuckSince == null) {
        s.stuckSince = now;
      } else if (now - s.stuckSince > timing.stall().toNanos()) {
        LOG.info(
            "Cut off a stream of run {} for {}: its client took nothing for {} s (it may reconnect "
                + "with Last-Event-ID)",
            s.runId,
            s.caller.name(),
            timing.stall().toSeconds());
        s.out.cutOff();
        return true;
      }
      return false;
    }
    s.stuckSince = null;
    // a run of another tenant is, to this caller, a run that does not exist
    // (accepted here and not yet written by history, it reads queued: a burst, a history behind)
    Optional<RunRecord> found =
        read == null
            ? Optional.empty()
            : Optional.ofNullable(read.get(s.runId))
                .map(fresher)
                .or(() -> queued.apply(s.runId))
                .filter(r -> s.caller.sees(r.tenantId()));
    StringBuilder frames = new StringBuilder();
    boolean ended = false;
    if (read == null) {
      // (nothing known of the run this turn: neither "no such run" nor a change)
    } else if (found.isEmpty()) {
      // a run this stream has shown exists even while out of sight (history further behind than
      // this api keeps it, AcceptedRuns.KEEP_FOR): the stream waits for it
      if (!s.shown && now - s.openedAt > s.unseenFor) {
        frame(frames, "end", s.position, new NoRunData(s.runId, "no such run"));
        ended = true;
      }
    } else {
      RunRecord run = found.get();
      s.shown = true;
      // (a count beyond the run's lines, not checked as the stream opened if the run was not
      // found then, would hide every line to come: found by review)
      s.position = s.position.within(run);
      List<LogEntry> logs = run.logs() == null ? List.of() : run.logs();
      for (int i = s.position.logs(); i < logs.size() && frames.length() < TURN_CHARS; i++) {
        LogEntry line = logs.get(i);
        s.position = s.position.withLogs(i + 1);
        if (line.percentage() != null) {
          s.position = s.position.withProgress(line.percentage(), line.message());
        }
        frame(frames, line.percentage() != null ? "progress" : "log", s.position, line);
      }
      // the status and the end come after every line before them
      s.behind = s.position.logs() < logs.size();
      if (!s.behind && run.logsTruncated()) {
        pastTheLogCap(s, run, logs.size(), frames);
      }
      String status = run.status() == null ? null : run.status().wire();
      if (!s.behind && status != null && !status.equals(s.position.status())) {
        s.position = s.position.withStatus(status);
        frame(frames, "status", s.position, new StatusData(s.runId, status));
      }
      if (!s.behind
          && run.status() != null
          && run.status().isTerminal()
          && PendingRetry.of(run).isEmpty()) {
        frame(frames, "end", s.position, new EndData(s.runId, status, run.result(), run.error()));
        ended = true;
      }
    }
    if (frames.isEmpty()) {
      if (now - s.lastHeartbeat >= timing.heartbeat().toNanos()) {
        frames.append(": heartbeat\n\n");
        s.lastHeartbeat = now;
      } else if (now - s.lastWrite >= timing.probe().toNanos()) {
        frames.append(
            '\n'); // a blank line is no event; writing it tells whether the client is still there
      }
    }
    if (!frames.isEmpty()) {
      s.out.write(frames.toString());
      s.lastWrite = now;
    }
    return ended;
  }

  /**
   * Past the lines history kept of a run's log (its cap: see {@code history.maxLogsPerRun}) no more
   * come, so the run's own progress is streamed as it changes, and the client is told once that
   * lines are left out; before, a run that went on reporting progress looked hung until its end.
   */
  private static void pastTheLogCap(Stream s, RunRecord run, int kept, StringBuilder frames)
      throws IOException {
    if (!s.position.toldTruncated()) {
      s.position = s.position.withToldTruncated();
      frame(frames, "truncated", s.position, new TruncatedData(s.runId, kept));
    }
    if (run.progress() != null && !s.position.toldProgress(run.progress(), run.progressMessage())) {
      s.position = s.position.withProgress(run.progress(), run.progressMessage());
      // (not a log line: no time nor level)
      frame(
          frames,
          "progress",
          s.position,
          new LogEntry(null, null, run.progressMessage(), run.progress()));
    }
  }

  /** The data of a status event: the run and its new status. */
  @JsonNaming(SnakeCaseStrategy.class)
  record StatusData(String runId, String status) {}

  /**
   * The data of the truncated event: the run, and how many of its log lines were kept (the stream
   * has sent them all; the rest are left out).
   */
  @JsonNaming(SnakeCaseStrategy.class)
  record TruncatedData(String runId, int linesKept) {}

  /** The data of the end event: the run, how it ended, its result and its error. */
  @JsonNaming(SnakeCaseStrategy.class)
  record EndData(String runId, String status, JsonNode result, String error) {}

  /** The data of the end event of a stream whose run never appeared: the run and the error. */
  @JsonNaming(SnakeCaseStrategy.class)
  record NoRunData(String runId, String error) {}

  private static void frame(
      StringBuilder frames, String event, StreamPosition position, Object data) throws IOException {
    frames
        .append("id: ")
        .append(position.id())
        .append("\nevent: ")
        .append(event)
        .append("\ndata: ")
        .append(Json.mapper().writeValueAsString(data))
        .append("\n\n");
  }

  private void close(Stream s) {
    try {
      s.out.close();
    } catch (IOException | RuntimeException e) {
      LOG.debug("Closing the stream of run {} failed (its client is gone)", s.runId, e);
    }
    slots.release(s.caller);
  }

  /** Ends every open stream (the api is stopping). */
  @Override
  public synchronized void close() {
    for (Stream s; (s = opened.poll()) != null; ) {
      open.add(s);
    }
    open.forEach(this::close);
    open.clear();
  }

  private static final class Stream {
    final String runId;
    final Caller caller;
    final Sink out;
    final long openedAt;
    StreamPosition position;
    long lastWrite;
    long lastHeartbeat;

    /**
     * When its client was first seen not to have taken what it was given; null while it takes it.
     */
    Long stuckSince;

    /** Whether the run has log lines this stream has not written yet (it had its turn's worth). */
    boolean behind;

    /** Whether this stream has shown the run: such a stream never ends "no such run". */
    boolean shown;

    /**
     * How long the run may stay unseen before the stream ends "no such run", in nanoseconds: for a
     * stream resumed from an id (a run another api accepted a moment ago, history behind), four
     * times as long as for a new one. (Found by review: an id made a resumed stream wait for good,
     * a run that never existed holding one of the token's slots for six hours.)
     */
    final long unseenFor;

    Stream(
        String runId,
        Caller caller,
        Sink out,
        StreamPosition position,
        long now,
        long unseenNanos) {
      this.runId = runId;
      this.caller = caller;
      this.out = out;
      this.position = position;
      this.unseenFor =
          position.equals(StreamPosition.START) ? unseenNanos : RESUMED_UNSEEN * unseenNanos;
      this.openedAt = now;
      this.lastWrite = now;
      this.lastHeartbeat = now;
    }
  }
}
