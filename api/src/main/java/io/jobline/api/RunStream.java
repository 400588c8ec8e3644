package io.jobline.api;

import io.jobline.run.LogEntry;
import io.jobline.run.RunRecord;
import io.jobline.store.RunStore;
import io.jobline.wire.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** Writes one run's changes as server-sent events until it ends (or the client goes away). */
final class RunStream {
  private final RunStore runs;
  private final String runId;
  private final io.jobline.api.auth.Caller caller;
  private final Duration every;
  private final Duration longest;

  RunStream(RunStore runs, String runId, io.jobline.api.auth.Caller caller, Duration every, Duration longest) {
    this.caller = caller;
    this.runs = runs;
    this.runId = runId;
    this.every = every;
    this.longest = longest;
  }

  void writeTo(OutputStream out) throws IOException {
    long deadline = System.nanoTime() + longest.toNanos();
    long notFoundDeadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    int logsSent = 0;
    String status = null;
    Integer progress = null;
    while (System.nanoTime() < deadline) {
      // a run of another tenant is, to this caller, a run that does not exist
      Optional<RunRecord> found = runs.find(runId).filter(r -> caller.sees(r.tenantId()));
      if (found.isEmpty() && System.nanoTime() > notFoundDeadline) {
        send(out, "end", Map.of("run_id", runId, "error", "no such run"));
        return;
      }
      if (found.isPresent()) {
        RunRecord run = found.get();
        List<LogEntry> logs = run.logs() == null ? List.of() : run.logs();
        for (; logsSent < logs.size(); logsSent++) {
          LogEntry line = logs.get(logsSent);
          send(out, line.percentage() != null ? "progress" : "log", line);
        }
        String now = run.status() == null ? null : run.status().wire();
        if (now != null && !now.equals(status)) {
          status = now;
          send(out, "status", Map.of("run_id", runId, "status", now));
        }
        if (run.progress() != null && !run.progress().equals(progress)) {
          progress = run.progress();
        }
        if (run.status() != null && run.status().isTerminal()) {
          Map<String, Object> end = new LinkedHashMap<>();
          end.put("run_id", runId);
          end.put("status", now);
          end.put("result", run.result());
          end.put("error", run.error());
          send(out, "end", end);
          return;
        }
      }
      out.write(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8));
      out.flush();
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(every.toMillis()));
    }
  }

  private static void send(OutputStream out, String event, Object data) throws IOException {
    String frame = "event: " + event + "\ndata: " + Json.mapper().writeValueAsString(data) + "\n\n";
    out.write(frame.getBytes(StandardCharsets.UTF_8));
    out.flush();
  }
}
