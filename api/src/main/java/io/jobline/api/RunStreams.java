package io.jobline.api;

import io.jobline.api.auth.Caller;
import io.jobline.run.LogEntry;
import io.jobline.run.RunRecord;
import io.jobline.store.RunStore;
import io.jobline.wire.Json;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.glassfish.jersey.server.ChunkedOutput;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every live run stream of this api ({@code GET /jobs/runs/{id}/stream}), served by one scheduler
 * thread that polls the run store for all of them: no thread waits on an idle stream. Each change is
 * written and flushed as the poll sees it, as a server-sent event with an {@code id:} to resume from.
 */
public final class RunStreams implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RunStreams.class);

  /**
   * How often the store is read for every open stream; how often an idle stream is probed with a
   * blank line (to notice a client that left); how often it gets a heartbeat comment; how long a run
   * that is not there yet is waited for; and how long a stream may stay open at most.
   */
  public record Timing(Duration poll, Duration probe, Duration heartbeat, Duration notFound, Duration longest) {
    public static final Timing DEFAULT = new Timing(Duration.ofMillis(250), Duration.ofSeconds(1),
        Duration.ofSeconds(15), Duration.ofSeconds(30), Duration.ofHours(6));
  }

  /** Where a stream's frames go: the client's response, or a test's buffer. */
  interface Sink {
    void write(String frames) throws IOException;

    boolean isClosed();

    void close() throws IOException;
  }

  private final RunStore runs;
  private final StreamSlots slots;
  private final Timing timing;
  private final ScheduledExecutorService scheduler;
  private final java.util.function.LongSupplier nanos;
  private final Queue<Stream> opened = new ConcurrentLinkedQueue<>();
  /** Touched by the scheduler thread only. */
  private final List<Stream> open = new ArrayList<>();

  public RunStreams(RunStore runs, ApiLimits limits, Timing timing, ScheduledExecutorService scheduler) {
    this(runs, limits, timing, scheduler, System::nanoTime);
  }

  /** @param nanos the time in nanoseconds, as {@link System#nanoTime()} tells it (tests move it by hand) */
  RunStreams(RunStore runs, ApiLimits limits, Timing timing, ScheduledExecutorService scheduler,
      java.util.function.LongSupplier nanos) {
    this.nanos = nanos;
    this.runs = runs;
    this.slots = new StreamSlots(limits);
    this.timing = timing;
    this.scheduler = scheduler;
    scheduler.scheduleWithFixedDelay(this::pollSafely, timing.poll().toMillis(), timing.poll().toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /**
   * Opens a stream of {@code runId} for {@code caller} from {@code from}; the scheduler writes to it.
   *
   * @throws ApiException 429 when the caller or the api holds as many streams as allowed
   */
  ChunkedOutput<String> open(String runId, Caller caller, StreamPosition from) {
    ChunkedOutput<String> out = new ChunkedOutput<>(String.class);
    open(runId, caller, from, new Sink() {
      @Override
      public void write(String frames) throws IOException {
        out.write(frames);
      }

      @Override
      public boolean isClosed() {
        return out.isClosed();
      }

      @Override
      public void close() throws IOException {
        out.close();
      }
    });
    return out;
  }

  /** Opens a stream writing to {@code sink}; see {@link #open(String, Caller, StreamPosition)}. */
  void open(String runId, Caller caller, StreamPosition from, Sink sink) {
    slots.acquire(caller.name());
    Stream s = new Stream(runId, caller, sink, from, nanos.getAsLong());
    try {
      sink.write("retry: 2000\n\n"); // commits the response: the client sees its 200 at once
    } catch (IOException e) {
      slots.release(caller.name());
      throw new java.io.UncheckedIOException(e);
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

  /** Writes what changed to every open stream, and closes those that ended or whose client left. */
  synchronized void poll() {
    for (Stream s; (s = opened.poll()) != null; ) {
      open.add(s);
    }
    long now = nanos.getAsLong();
    for (Iterator<Stream> it = open.iterator(); it.hasNext(); ) {
      Stream s = it.next();
      boolean done;
      try {
        done = s.out.isClosed() || advance(s, now);
      } catch (IOException e) {
        done = true; // the client went away
      } catch (RuntimeException e) {
        // the store failed for this poll: the stream waits for the next one
        LOG.debug("Could not read run {} for its stream", s.runId, e);
        done = false;
      }
      if (done) {
        it.remove();
        close(s);
      }
    }
  }

  /** Writes what changed since the last poll; true when the stream ended. */
  private boolean advance(Stream s, long now) throws IOException {
    if (now - s.openedAt > timing.longest().toNanos()) {
      return true;
    }
    // a run of another tenant is, to this caller, a run that does not exist
    Optional<RunRecord> found = runs.find(s.runId).filter(r -> s.caller.sees(r.tenantId()));
    StringBuilder frames = new StringBuilder();
    boolean ended = false;
    if (found.isEmpty()) {
      if (now - s.openedAt > timing.notFound().toNanos()) {
        frame(frames, "end", s.position, ordered("run_id", s.runId, "error", "no such run"));
        ended = true;
      }
    } else {
      RunRecord run = found.get();
      List<LogEntry> logs = run.logs() == null ? List.of() : run.logs();
      for (int i = s.position.logs(); i < logs.size(); i++) {
        LogEntry line = logs.get(i);
        s.position = s.position.withLogs(i + 1);
        frame(frames, line.percentage() != null ? "progress" : "log", s.position, line);
      }
      String status = run.status() == null ? null : run.status().wire();
      if (status != null && !status.equals(s.position.status())) {
        s.position = s.position.withStatus(status);
        frame(frames, "status", s.position, ordered("run_id", s.runId, "status", status));
      }
      if (run.status() != null && run.status().isTerminal()) {
        Map<String, Object> end = new LinkedHashMap<>();
        end.put("run_id", s.runId);
        end.put("status", status);
        end.put("result", run.result());
        end.put("error", run.error());
        frame(frames, "end", s.position, end);
        ended = true;
      }
    }
    if (frames.isEmpty()) {
      if (now - s.lastHeartbeat >= timing.heartbeat().toNanos()) {
        frames.append(": heartbeat\n\n");
        s.lastHeartbeat = now;
      } else if (now - s.lastWrite >= timing.probe().toNanos()) {
        frames.append('\n'); // a blank line is no event; writing it tells whether the client is still there
      }
    }
    if (!frames.isEmpty()) {
      s.out.write(frames.toString());
      s.lastWrite = now;
    }
    return ended;
  }

  /** A JSON object with its fields in this order (Map.of has none, and clients read the data as written). */
  private static Map<String, Object> ordered(String k1, Object v1, String k2, Object v2) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put(k1, v1);
    m.put(k2, v2);
    return m;
  }

  private static void frame(StringBuilder frames, String event, StreamPosition position, Object data)
      throws IOException {
    frames.append("id: ").append(position.id()).append("\nevent: ").append(event).append("\ndata: ")
        .append(Json.mapper().writeValueAsString(data)).append("\n\n");
  }

  private void close(Stream s) {
    try {
      s.out.close();
    } catch (IOException | RuntimeException e) {
      LOG.debug("Closing the stream of run {} failed (its client is gone)", s.runId, e);
    }
    slots.release(s.caller.name());
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

    Stream(String runId, Caller caller, Sink out, StreamPosition position, long now) {
      this.runId = runId;
      this.caller = caller;
      this.out = out;
      this.position = position;
      this.openedAt = now;
      this.lastWrite = now;
      this.lastHeartbeat = now;
    }
  }
}
