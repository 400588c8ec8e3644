package io.jobline.api;

import io.jobline.api.auth.Role;
import io.jobline.store.ExecutorFleet;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

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

  @GET
  @RolesAllowed(Role.VIEWER_NAME)
  public Map<String, Object> up() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put(
        "executors",
        fleet.up(clock.instant()).stream()
            .map(
                e -> {
                  Map<String, Object> m = new LinkedHashMap<>();
                  m.put("executor_id", e.id());
                  m.put("partitions", e.partitions());
                  m.put("lease_expires_at", e.leaseExpiresAt());
                  return m;
                })
            .toList());
    return out;
  }
}
