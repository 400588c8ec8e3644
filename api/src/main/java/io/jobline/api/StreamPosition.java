package io.jobline.api;

import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import java.util.Arrays;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * How far a client has read a run's stream: the log lines it has and the last status it was told;
 * and, once it is past the lines history kept (a run's log is capped), the last progress it was
 * told and whether it was told that lines are left out. Its lines and status are every event's
 * {@code id:}, so a client that reconnects with {@code Last-Event-ID} gets only what it has not
 * had; the rest is not in the id (a progress message is any text), so a stream resumed past the cap
 * is told the run's progress and the lines left out once more.
 */
record StreamPosition(
    int logs, String status, Integer progress, String progressMessage, boolean toldTruncated) {
  static final StreamPosition START = new StreamPosition(0, null);

  /** The statuses an id may carry: a run's, as the stream writes them. */
  private static final Set<String> WIRE_STATUSES =
      Arrays.stream(RunStatus.values())
          .map(RunStatus::wire)
          .collect(Collectors.toUnmodifiableSet());

  StreamPosition(int logs, String status) {
    this(logs, status, null, null, false);
  }

  /**
   * The position a {@code Last-Event-ID} names; {@link #START} when there is none.
   *
   * @throws ApiException 400 naming Last-Event-ID when it is not an id this api sent
   */
  static StreamPosition parse(String lastEventId) {
    if (lastEventId == null || lastEventId.isBlank()) {
      return START;
    }
    String text = lastEventId.trim();
    int colon = text.indexOf(':');
    try {
      int logs = Integer.parseInt(colon < 0 ? text : text.substring(0, colon));
      String status = colon < 0 || colon == text.length() - 1 ? null : text.substring(colon + 1);
      // only a status the stream could have sent: anything else would be echoed back in every id
      if (logs < 0 || (status != null && !WIRE_STATUSES.contains(status))) {
        throw new NumberFormatException();
      }
      return new StreamPosition(logs, status);
    } catch (NumberFormatException e) {
      throw notSent();
    }
  }

  /**
   * This position against {@code run} as it stands: a count of more log lines than the run has is
   * taken as the lines it has. (Found by review: taken as it was, {@code 2147483647:} hid every
   * line of the run for good; refused, a client whose run's log had shrunk, as after a history
   * rebuilt from topics past their retention, could never resume.)
   */
  StreamPosition within(RunRecord run) {
    int lines = run.logs() == null ? 0 : run.logs().size();
    return logs > lines
        ? new StreamPosition(lines, status, progress, progressMessage, toldTruncated)
        : this;
  }

  /**
   * Whether a client at this position has had the end of {@code run}: every line and the status it
   * ended with, with no retry to come. A stream resumed there would only send the end again.
   */
  boolean pastTheEndOf(RunRecord run) {
    int lines = run.logs() == null ? 0 : run.logs().size();
    return run.status() != null
        && run.status().isTerminal()
        && PendingRetry.of(run).isEmpty()
        && run.status().wire().equals(status)
        && logs >= lines;
  }

  private static ApiException notSent() {
    return ApiException.badRequest(
        "Last-Event-ID",
        "Last-Event-ID must be the id of an event this stream sent "
            + "(LOG_LINES:STATUS, e.g. 12:running)");
  }

  String id() {
    return logs + ":" + (status == null ? "" : status);
  }

  StreamPosition withLogs(int n) {
    return new StreamPosition(n, status, progress, progressMessage, toldTruncated);
  }

  StreamPosition withStatus(String s) {
    return new StreamPosition(logs, s, progress, progressMessage, toldTruncated);
  }

  StreamPosition withProgress(Integer percentage, String message) {
    return new StreamPosition(logs, status, percentage, message, toldTruncated);
  }

  StreamPosition withToldTruncated() {
    return new StreamPosition(logs, status, progress, progressMessage, true);
  }

  /** Whether the client was told last this progress (percentage and message). */
  boolean toldProgress(Integer percentage, String message) {
    return Objects.equals(progress, percentage) && Objects.equals(progressMessage, message);
  }
}
