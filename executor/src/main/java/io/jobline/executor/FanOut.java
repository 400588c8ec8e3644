package io.jobline.executor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.topic.PreparedRequest;
import io.jobline.topic.RequestProducer;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.WireLimits;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The run of a per-tenant job: one child run per active tenant (or per tenant in the request's
 * tenant's subtree), each with its own id. The children go into the executor's Kafka transaction
 * with the parent's end, so they count only with it: an executor that dies before that commit has
 * sent none, and the parent run again sends them. A parent that ends after its partition went to
 * another executor sends none itself: the takeover there publishes its end with them.
 */
final class FanOut {
  /**
   * The largest child request sent: what an executor runs when it reads it from {@code
   * jobline.requests} (a larger one would be refused there, its parent reading completed).
   */
  static final int MAX_CHILD_BYTES = WireLimits.MAX_REQUEST_BYTES;

  /**
   * The longest list of children a parent's end carries, in bytes as written (about 90 a child):
   * its end must fit in one Kafka record with the parent's start ({@link EventSize#MAX_BYTES}).
   * Counted in characters, tenant ids of several bytes each (CJK) passed the check and made an end
   * too large: its result was left out, the parent read failed while its children ran (found by
   * review).
   */
  static final int MAX_LISTED_BYTES = 700 * 1024;

  /** The parent's result, and its children's requests, serialized. */
  record Children(JsonNode result, List<PreparedRequest> requests) {}

  private final TenantDirectory tenants;

  FanOut(TenantDirectory tenants) {
    this.tenants = tenants;
  }

  /**
   * The children of {@code request}: one per tenant it fans out to.
   *
   * @throws IllegalStateException when a child's request would be too large to send, or the list of
   *     them too long for the parent's end
   */
  Children plan(JobRequest request, Instant now) {
    List<String> to =
        request.tenantId() == null ? tenants.active() : withDescendants(request.tenantId());
    Children children = children(request, to, now);
    int listed = children.result().toString().getBytes(StandardCharsets.UTF_8).length;
    if (listed > MAX_LISTED_BYTES) {
      throw new IllegalStateException(
          "fanning out to "
              + to.size()
              + " tenants makes a list of children of "
              + listed
              + " bytes; at most "
              + MAX_LISTED_BYTES
              + " fit in the parent's end (split the tenants among runs that each name a parent"
              + " tenant)");
    }
    return children;
  }

  /**
   * The children a parent's end lists ({@code result.children[].tenant_id}), made again from its
   * request: the end a takeover publishes again for a parent that ended at another executor, whose
   * transaction may have been void.
   */
  static List<PreparedRequest> listedIn(JobRequest request, JsonNode payload, Instant now) {
    List<String> to = new ArrayList<>();
    payload.path("result").path("children").forEach(c -> to.add(c.path("tenant_id").asText()));
    return children(request, to, now).requests();
  }

  private static Children children(JobRequest request, List<String> to, Instant now) {
    ArrayNode listed = Json.mapper().createArrayNode();
    List<PreparedRequest> out = new ArrayList<>(to.size());
    for (String tenant : to) {
      PreparedRequest child = RequestProducer.prepare(request.childFor(tenant, now));
      if (child.value().length > MAX_CHILD_BYTES) {
        throw new IllegalStateException(
            "the child request for tenant "
                + tenant
                + " is "
                + child.value().length
                + " bytes; at most "
                + MAX_CHILD_BYTES);
      }
      out.add(child);
      listed.addObject().put("tenant_id", tenant).put("run_id", child.request().runId().value());
    }
    ObjectNode result = Json.object().put("fanned_out", to.size());
    result.set("children", listed);
    return new Children(result, out);
  }

  private List<String> withDescendants(String tenant) {
    List<String> all = new ArrayList<>();
    all.add(tenant);
    all.addAll(tenants.descendants(tenant));
    return all;
  }
}
