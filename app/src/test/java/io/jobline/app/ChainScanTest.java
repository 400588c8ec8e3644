package io.jobline.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.builtins.cleanup.RunHistoryCleanup;
import io.jobline.chain.Chain;
import io.jobline.chain.OnFailure;
import io.jobline.executor.MongoClaimStore;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ChainScanTest {
  @Test
  void chainsDeclaredInCodeAreFoundByScanning() {
    List<Chain> found = ChainScan.scan(List.of("io.jobline.chain.declared"));
    assertThat(found).extracting(Chain::name).containsExactly("month-end", "nightly");
    Chain monthEnd =
        found.get(0).validate(Set.of("settlement", "invoicing", "reporting", "noop")::contains);
    assertThat(monthEnd.step("invoicing").orElseThrow().onFailure()).isEqualTo(OnFailure.CONTINUE);
  }

  @Test
  void theRetentionJobCleansTheCollectionTheExecutorKeepsItsClaimsIn() {
    assertThat(RunHistoryCleanup.CLAIMS).isEqualTo(MongoClaimStore.COLLECTION);
    assertThat(RunHistoryCleanup.CLAIMS_PROBE).isEqualTo(MongoClaimStore.PROBE);
  }
}
