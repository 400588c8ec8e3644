package io.jobline.chain;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.jobline.wire.Json;
import io.jobline.wire.Trigger;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One run of a chain ({@code job_chain_runs}): the definition it runs (copied at start, so a later
 * change of the chain does not alter it), its params and tenant, each step's state and the overall
 * status.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ChainRun(
    String chainRunId,
    String chainName,
    String tenantId,
    JsonNode params,
    Chain definition,
    ChainStatus status,
    List<StepRun> steps,
    Trigger trigger,
    Instant requestedAt,
    String requestedBy,
    Instant startedAt,
    Instant endedAt,
    boolean cancelRequested) {

  public ChainRun {
    params = params == null || params.isNull() ? Json.object() : params;
    steps = steps == null ? List.of() : List.copyOf(steps);
  }

  /** A new, queued run of {@code chain}. */
  public static ChainRun start(
      String id,
      Chain chain,
      String tenantId,
      JsonNode params,
      Trigger trigger,
      Instant now,
      String by) {
    return new ChainRun(
        id,
        chain.name(),
        tenantId,
        params,
        chain,
        ChainStatus.QUEUED,
        chain.steps().stream().map(StepRun::pending).toList(),
        trigger,
        now,
        by,
        null,
        null,
        false);
  }

  public Optional<StepRun> step(String name) {
    return steps.stream().filter(s -> s.name().equals(name)).findFirst();
  }

  public ChainRun withSteps(List<StepRun> next) {
    return new ChainRun(
        chainRunId,
        chainName,
        tenantId,
        params,
        definition,
        status,
        next,
        trigger,
        requestedAt,
        requestedBy,
        startedAt,
        endedAt,
        cancelRequested);
  }

  public ChainRun moved(ChainStatus next, Instant now) {
    ChainStatus to = status.moveTo(next);
    return new ChainRun(
        chainRunId,
        chainName,
        tenantId,
        params,
        definition,
        to,
        steps,
        trigger,
        requestedAt,
        requestedBy,
        startedAt == null && to == ChainStatus.RUNNING ? now : startedAt,
        to.isTerminal() ? now : endedAt,
        cancelRequested);
  }
}
