package io.jobline.executor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.wire.EventType;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;
import io.jobline.wire.WireLimits;
import java.util.Optional;

/**
 * How an attempt ends, from how its job returned or threw and why it was asked to stop: the
 * terminal event's type and payload, or no end at all (stopped for shutdown: the request runs again
 * elsewhere). Pure, and the one place the payloads of a run's events are shaped.
 */
final class JobOutcome {
  private JobOutcome() {}

  /** What to do once the job is done. */
  sealed interface Verdict permits End, Redeliver {}

  /** Publish this terminal event. */
  record End(EventType type, JsonNode payload) implements Verdict {}

  /** Publish nothing: the attempt stopped for a shutdown and its request is read again. */
  record Redeliver() implements Verdict {}

  /** After the job returned {@code result}. */
  static Verdict returned(StopReason reason, boolean stopObserved, JsonNode result, int timeout) {
    if (reason == StopReason.TIMEOUT) {
      return new End(EventType.TIMED_OUT, error("timed out after " + timeout + " s"));
    }
    if (reason == StopReason.CANCEL) {
      return new End(EventType.CANCELLED, error("cancelled"));
    }
    if (reason == StopReason.SHUTDOWN && stopObserved) {
      return new Redeliver();
    }
    Optional<WireLimits.Violation> bad = WireLimits.check("result", result);
    if (bad.isPresent()) {
      return new End(EventType.FAILED, error("the job's result cannot be stored: " + bad.get()));
    }
    return new End(EventType.COMPLETED, Json.object().set("result", result));
  }

  /** After the job threw {@code t}. */
  static Verdict threw(StopReason reason, Throwable t, int timeout) {
    if (reason == StopReason.TIMEOUT) {
      return new End(
          EventType.TIMED_OUT, error("timed out after " + timeout + " s: " + describe(t)));
    }
    if (reason == StopReason.CANCEL) {
      return new End(EventType.CANCELLED, error("cancelled: " + describe(t)));
    }
    if (reason == StopReason.SHUTDOWN) {
      return new Redeliver();
    }
    return new End(EventType.FAILED, error(describe(t)));
  }

  /**
   * The end of a job that ignored its stop and the interrupt: cancelled if a cancel stopped it
   * (timed out, it was retried after the cancel: found by review), else timed out; none while the
   * executor shuts down (a cancel came during its drain, which stopped the job first): its request
   * is read again, where the cancel is known (ended timed out, it was neither cancelled nor read
   * again: found by review).
   */
  static Verdict abandoned(StopReason reason, int timeout) {
    if (reason == StopReason.SHUTDOWN) {
      return new Redeliver();
    }
    if (reason == StopReason.CANCEL) {
      return new End(
          EventType.CANCELLED,
          error("cancelled; the job ignored stop and interrupt and was abandoned"));
    }
    return new End(
        EventType.TIMED_OUT,
        error(
            "timed out after "
                + timeout
                + " s; the job ignored stop and interrupt and was abandoned"));
  }

  /** The fields of a start event. */
  static ObjectNode started(JobRequest request, JsonNode params) {
    ObjectNode started =
        Json.object()
            .put("job_name", request.jobName())
            .put("tenant_id", request.tenantId())
            .put(
                "requested_at",
                request.requestedAt() == null ? null : request.requestedAt().toString());
    started.set("params", params);
    started.set("trigger", Json.tree(request.trigger()));
    if (request.parentRunId() != null) {
      started.put("parent_run_id", request.parentRunId().value());
    }
    return started;
  }

  /**
   * An end's payload carrying the start it took (its fields under {@code started}, with the start's
   * time as {@code at}), for a job that ended before its start was published.
   */
  static JsonNode carrying(JsonNode payload, RunEvent start) {
    if (start == null) {
      return payload;
    }
    ObjectNode merged = payload == null ? Json.object() : payload.deepCopy();
    merged.set(
        "started",
        ((ObjectNode) start.payload().deepCopy()).put("at", start.timestamp().toString()));
    return merged;
  }

  /** {@code payload} with {@code note} added to its error. */
  static JsonNode withNote(JsonNode payload, String note) {
    ObjectNode with = payload instanceof ObjectNode o ? o.deepCopy() : Json.object();
    String error = with.path("error").asText("");
    with.put("error", error.isEmpty() ? note : error + "; " + note);
    return with;
  }

  static JsonNode error(String message) {
    return Json.object().put("error", message);
  }

  /** A throwable as a person reads it: its type, and its message when it has one. */
  static String describe(Throwable t) {
    String message = t.getMessage();
    return message == null
        ? t.getClass().getSimpleName()
        : t.getClass().getSimpleName() + ": " + message;
  }
}
