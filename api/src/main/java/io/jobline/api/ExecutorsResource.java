package io.jobline.api;

import com.fasterxml.jackson.databind.PropertyNamingStrategies.SnakeCaseStrategy;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.jobline.api.auth.Role;
import io.jobline.store.ExecutorFleet;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.Clock;
import java.time.Instant;
import java.util.List;

/**
 * {@code GET /jobs/executors}: the executors that are up, with the partitions of jobline.requests
 * each holds.
 */
@Path("/jobs/executors")
@Produces(MediaType.APPLICATION_JSON)
public final class ExecutorsResource {
  private final ExecutorFleet fleet;
  private final Clock clock;

  public ExecutorsResource(ExecutorFleet fleet, Clock clock) {
    this.fleet = fleet;
    this.clock = clock;
  }

  /** The executors that are up. */
  record ExecutorsUp(List<ExecutorUp> executors) {}

  /** One executor that is up: the partitions of jobline.requests it holds, until when. */
  @JsonNaming(SnakeCaseStrategy.class)
  record ExecutorUp(String executorId, List<String> partitions, Instant leaseExpiresAt) {}

  @GET
  @RolesAllowed(Role.VIEWER_NAME)
  public ExecutorsUp up() {
    return new ExecutorsUp(
        fleet.up(clock.instant()).stream()
            .map(e -> new ExecutorUp(e.id(), e.partitions(), e.leaseExpiresAt()))
            .toList());
  }
}
