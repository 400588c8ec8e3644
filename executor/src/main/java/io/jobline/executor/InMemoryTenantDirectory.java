package io.jobline.executor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * {@link TenantDirectory} in memory, for logic tests; safe to use from several threads. The test
 * fills it with {@link #put}, as another system fills the tenants collection in production.
 */
public final class InMemoryTenantDirectory implements TenantDirectory {
  private record Tenant(String parent, boolean active) {}

  /** Tenants by id, so children are visited in id order. */
  private final Map<String, Tenant> tenants = new ConcurrentSkipListMap<>();

  /**
   * Adds or replaces a tenant.
   *
   * @param parent its parent's id, or null for a root tenant
   * @param active false for a tenant marked inactive
   * @return this directory, to add the next
   */
  public InMemoryTenantDirectory put(String id, String parent, boolean active) {
    tenants.put(id, new Tenant(parent, active));
    return this;
  }

  @Override
  public List<String> active() {
    List<String> ids = new ArrayList<>();
    tenants.forEach(
        (id, t) -> {
          if (t.active()) {
            ids.add(id);
          }
        });
    return ids;
  }

  @Override
  public List<String> descendants(String tenant) {
    Set<String> seen = new LinkedHashSet<>();
    Deque<String> queue = new ArrayDeque<>(List.of(tenant));
    while (!queue.isEmpty()) {
      String parent = queue.poll();
      tenants.forEach(
          (id, t) -> {
            if (t.active() && parent.equals(t.parent()) && !id.equals(tenant) && seen.add(id)) {
              queue.add(id);
            }
          });
    }
    return List.copyOf(seen);
  }
}
