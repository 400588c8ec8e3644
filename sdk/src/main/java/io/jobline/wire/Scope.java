package io.jobline.wire;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Which tenants a run acts on. */
public enum Scope {
  /** The request's own tenant. */
  @JsonProperty("tenant")
  TENANT,
  /** The request's tenant and all of its descendants. */
  @JsonProperty("parent_tenant")
  PARENT_TENANT,
  /** No tenant: system-wide work. */
  @JsonProperty("system")
  SYSTEM
}
