package io.jobline.executor;

import java.util.List;

/**
 * The tenant directory: which tenants are active and how they nest (parent links). A tenant is
 * active unless marked otherwise; an inactive tenant hides its own descendants from {@link
 * #descendants}.
 */
public interface TenantDirectory {
  /** Every active tenant, in id order. */
  List<String> active();

  /**
   * All active descendants of {@code tenant} (children, grandchildren, …), breadth first, each once
   * and never {@code tenant} itself (parent links that loop end there).
   */
  List<String> descendants(String tenant);
}
