package io.jobline.executor;

import io.jobline.job.JobDefinition;
import io.jobline.job.JobRegistry;
import io.jobline.job.ParamsValidator;
import io.jobline.topic.Topics;
import io.jobline.wire.IsoInstant;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunId;
import io.jobline.wire.Salvage;
import io.jobline.wire.Trigger;
import io.jobline.wire.WireLimits;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the executor makes of one record of a request lane: a request it may run, or the reason it
 * goes to the dead-letter topic. It completes what an outside producer may leave out (a run id
 * derived from where the record was first read, the {@code topic} trigger, the record's time as the
 * request time) and refuses what cannot be carried or run: too large, not JSON, no job name, text
 * or params past the wire limits, an unknown job, params that break the job's schema. Pure: no
 * Kafka, no store; the caller sends refusals to the dead-letter topic.
 */
final class Intake {
  /** The outcome for one record. */
  sealed interface Admission permits Admitted, Refused {}

  /** A request to queue, with the job that runs it. */
  record Admitted(JobDefinition job, JobRequest request) implements Admission {}

  /**
   * A record for the dead-letter topic, with its reason and what could be read of it ({@code ids}:
   * the request, or the ids salvaged from it, or null), so its run can be ended as failed.
   */
  record Refused(String reason, JobRequest ids) implements Admission {}

  /**
   * Where a record was read: its lane, partition and offset, its timestamp, and where it was first
   * read.
   */
  record Place(String topic, int partition, long offset, long timestamp, Origin origin) {}

  private final JobRegistry registry;
  private final ParamsValidator validator;

  Intake(JobRegistry registry, ParamsValidator validator) {
    this.registry = registry;
    this.validator = validator;
  }

  /**
   * The largest request read back from the overflow lane where an executor moved it (it names its
   * first place): a request admitted there at up to {@link WireLimits#MAX_REQUEST_BYTES} was moved
   * as the executor writes it, with its run id, trigger and time added and its numbers rewritten
   * ({@code 1e6} as {@code 1000000.0}), up to about three times as long.
   */
  static final int MAX_MOVED_BYTES = 4 * WireLimits.MAX_REQUEST_BYTES;

  Admission admit(byte[] value, Place at) {
    int max = at.origin() != null ? MAX_MOVED_BYTES : WireLimits.MAX_REQUEST_BYTES;
    if (value != null && value.length > max) {
      return new Refused(
          "too large: "
              + value.length
              + " bytes; at most "
              + max
              + " (pass a reference to large inputs instead)",
          salvaged(value, at));
    }
    JobRequest request;
    try {
      request = Topics.REQUESTS.valueSerde().deserializer().deserialize(at.topic(), value);
    } catch (RuntimeException e) {
      // (its explicit run id only: history cannot read it either, so it folds no run for it)
      return new Refused("unparseable: " + e.getMessage(), Salvage.ids(value));
    }
    if (request == null) {
      return new Refused("empty record value", null);
    }
    request = completed(request, at);
    if (request.jobName() == null || request.jobName().isBlank()) {
      return new Refused("missing field job_name", request);
    }
    Optional<WireLimits.Violation> uncarriable = request.violation();
    if (uncarriable.isPresent()) {
      return new Refused("cannot be carried: " + uncarriable.get(), request);
    }
    Optional<JobDefinition> job = registry.find(request.jobName());
    if (job.isEmpty()) {
      return new Refused("unknown job '" + request.jobName() + "'", request);
    }
    Optional<String> childWithoutTenant =
        job.get().descriptor().childWithoutTenant(request.parentRunId(), request.tenantId());
    if (childWithoutTenant.isPresent()) {
      return new Refused(childWithoutTenant.get(), request);
    }
    List<String> violations =
        validator.violations(
            job.get().descriptor(), request.params() == null ? Json.object() : request.params());
    if (!violations.isEmpty()) {
      return new Refused("invalid params: " + String.join("; ", violations), request);
    }
    return new Admitted(job.get(), request);
  }

  /**
   * The ids of a record that cannot be read whole ({@link Salvage#ids}); one that names a job but
   * no run gets the run id derived from where it was read, as history derives it: a request too
   * large to run, sent with no run id, read as queued in history for ever, since only a refusal
   * naming its run ends it (found by review). Null when it names no job either.
   */
  static JobRequest salvaged(byte[] value, Place at) {
    JobRequest ids = Salvage.ids(value);
    if (ids != null) {
      return ids;
    }
    Map<String, String> texts = Salvage.texts(value);
    String job = texts.get("job_name");
    if (job == null || job.isBlank()) {
      return null;
    }
    return JobRequest.manual(derivedId(at), job, null, texts.get("tenant_id"), null, null);
  }

  /** The run id of a request sent with none: from where it was first read. */
  private static RunId derivedId(Place at) {
    // a request moved to the overflow lane keeps the id it would have had where it was first read
    Origin origin = at.origin();
    return origin != null
        ? RunId.forRecord(origin.topic(), origin.partition(), origin.offset())
        : RunId.forRecord(at.topic(), at.partition(), at.offset());
  }

  /** The request with what an outside producer may leave out filled in from where it was read. */
  private static JobRequest completed(JobRequest request, Place at) {
    if (request.runId() == null) {
      request = request.withRunId(derivedId(at));
    }
    if (request.trigger() == null) {
      request = request.withTrigger(Trigger.topic());
    }
    Instant accepted = IsoInstant.ofRecordTimestamp(at.timestamp());
    if (request.requestedAt() == null && accepted != null) {
      // as history does: a run produced straight to the topic was requested when its record was
      // accepted (a timestamp past the year 9999 is none: its run could not be stored)
      request = request.withRequestedAt(accepted);
    }
    return request;
  }
}
