package io.jobline.builtins;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.jobline.job.JobDescriptor;
import io.jobline.job.JobRegistry;
import io.jobline.wire.Scope;
import java.util.List;
import org.junit.jupiter.api.Test;

class BuiltinCatalogueTest {
  @Test
  void theBuiltInsAreRegisteredWithTheSeedsNamesTimeoutsRetriesScopesAndFanOut() {
    List<JobDescriptor> jobs = JobRegistry.scan(List.of("io.jobline.builtins")).descriptors();

    assertThat(jobs)
        .extracting(
            JobDescriptor::name,
            JobDescriptor::timeoutSeconds,
            JobDescriptor::retries,
            JobDescriptor::scope,
            JobDescriptor::perTenant)
        .containsExactlyInAnyOrder(
            tuple("token-cleanup", 120, 0, Scope.SYSTEM, false),
            tuple("audit-log-archive", 600, 0, Scope.SYSTEM, false),
            tuple("cleanup_expired_tokens", 300, 2, Scope.SYSTEM, false),
            tuple("cleanup_audit_log", 600, 2, Scope.SYSTEM, false),
            tuple("cleanup_job_runs", 300, 2, Scope.SYSTEM, false),
            tuple("purge_soft_deleted", 600, 2, Scope.SYSTEM, false),
            tuple("calculate_next_schedules", 120, 1, Scope.SYSTEM, false),
            tuple("bi-export", 3600, 2, Scope.TENANT, true));
  }
}
