package io.jobline.executor;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.constraints.NotBlank;

/** Where the tenant directory lives: the application's database may differ from Jobline's own. */
public class TenantSettings {
  /** Database of the tenant directory; defaults to Jobline's. */
  @JsonProperty public String database;

  @NotBlank @JsonProperty public String collection = "tenants";

  /** Field holding a tenant's id. */
  @NotBlank @JsonProperty public String idField = "_id";

  /** Field holding the parent tenant's id (absent or null for a root tenant). */
  @NotBlank @JsonProperty public String parentField = "parent_id";

  /** Boolean field; a tenant whose field is false is inactive. Absent means active. */
  @NotBlank @JsonProperty public String activeField = "is_active";
}
