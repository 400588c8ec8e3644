package io.jobline.api;

import java.util.Objects;

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
      if (logs < 0 || (status != null && !status.matches("[a-z_]{1,32}"))) {
        throw new NumberFormatException();
      }
      return new StreamPosition(logs, status);
    } catch (NumberFormatException e) {
      throw ApiException.badRequest(
          "Last-Event-ID",
          "Last-Event-ID must be the id of an event this stream sent "
              + "(LOG_LINES:STATUS, e.g. 12:running)");
    }
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
