package io.jobline.api;

import static io.jobline.api.Callers.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jobline.api.auth.Access;
import io.jobline.api.auth.Caller;
import io.jobline.api.auth.Role;
import org.junit.jupiter.api.Test;

/** The tenant a request acts for when its token is bound to one. */
class TenantOfTokenTest {
  @Test
  void aTokenBoundToABlankTenantCannotAskForWork() {
    // found by review: a token naming tenant "" was answered 202, and the executor dead-lettered
    // the run it sent; a schedule it made failed at every fire
    for (String blank : new String[] {"", "  "}) {
      assertThatThrownBy(() -> Access.tenantFor(as(new Caller("ops", Role.OPERATOR, blank)), null))
          .isInstanceOfSatisfying(
              ApiException.class,
              e -> {
                assertThat(e.status()).isEqualTo(403);
                assertThat(e.toProblem().field()).isEqualTo("tenant_id");
              });
    }
    assertThat(Access.tenantFor(as(new Caller("ops", Role.OPERATOR, "acme")), null))
        .isEqualTo("acme");
    assertThat(Access.tenantFor(as(new Caller("root", Role.ADMIN, null)), "acme"))
        .isEqualTo("acme");
  }
}
