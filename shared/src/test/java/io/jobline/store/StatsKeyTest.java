package io.jobline.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A job or tenant name cannot make its statistics' key another's. */
class StatsKeyTest {
  @Test
  void aJobNamedLikeAnotherJobsPerTenantKeyHasAKeyOfItsOwn() {
    // found by review: a refused request naming job "report|tenant:acme" was counted under
    // tenant acme's statistics of job report
    String hostile = StatsStore.key("report|tenant:acme", null);

    assertThat(hostile).isNotEqualTo(StatsStore.key("report", "acme"));
    assertThat(StatsView.isPerTenant(hostile)).isFalse();
    assertThat(StatsStore.key("report", "acme|tenant:x"))
        .isNotEqualTo(StatsStore.key("report|tenant:acme", "x"));
    assertThat(StatsView.isPerTenant(StatsStore.key("a|b", "t"))).isTrue();
  }

  @Test
  void namesWithoutTheSeparatorKeepTheKeysStoredBefore() {
    assertThat(StatsStore.key("report", null)).isEqualTo("job:report");
    assertThat(StatsStore.key("50%off", "acme")).isEqualTo("job:50%off|tenant:acme");
  }
}
