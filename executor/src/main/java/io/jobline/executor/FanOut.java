package io.jobline.executor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.topic.RequestProducer;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The run of a per-tenant job: one child run per active tenant (or per tenant in the request's
 * tenant's subtree), each with its own id, sent before the parent completes with the list of them.
 */
final class FanOut {
  private final TenantDirectory tenants;
  private final RequestProducer requests;

  FanOut(TenantDirectory tenants, RequestProducer requests) {
    this.tenants = tenants;
    this.requests = requests;
  }

  /**
   * Sends the children of {@code request} and waits until Kafka has them all.
   *
   * @return the parent's result: how many it fanned out to, and each child's tenant and run id
   */
  JsonNode send(JobRequest request, Instant now) {
    List<String> to =
        request.tenantId() == null ? tenants.active() : withDescendants(request.tenantId());
    ArrayNode children = Json.mapper().createArrayNode();
    List<CompletableFuture<?>> sent = new ArrayList<>();
    for (String tenant : to) {
      JobRequest child = request.childFor(tenant, now);
      sent.add(requests.send(child));
      children.addObject().put("tenant_id", tenant).put("run_id", child.runId().value());
    }
    CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();
    ObjectNode result = Json.object().put("fanned_out", to.size());
    result.set("children", children);
    return result;
  }

  private List<String> withDescendants(String tenant) {
    List<String> all = new ArrayList<>();
    all.add(tenant);
    all.addAll(tenants.descendants(tenant));
    return all;
  }
}
