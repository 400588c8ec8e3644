package io.jobline.chain.declared;

import io.jobline.chain.Chain;
import io.jobline.chain.ChainStep;
import io.jobline.chain.JobChain;
import io.jobline.chain.OnFailure;
import java.util.List;

/** Chains the scan test finds. */
public class DeclaredChains {
  @JobChain
  static Chain monthEnd() {
    return Chain.chain(
        "month-end",
        "Close a month",
        ChainStep.step("settlement"),
        ChainStep.step("invoicing").dependsOn("settlement").onFailure(OnFailure.CONTINUE),
        ChainStep.step("reporting").dependsOn("invoicing"));
  }

  @JobChain
  Chain nightly() {
    return Chain.linear("nightly", "", List.of("noop", "noop"));
  }
}
