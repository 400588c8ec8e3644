package io.jobline.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.jobline.wire.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ChainTest {
  private static final Set<String> JOBS =
      Set.of("a", "b", "c", "d", "settlement", "invoicing", "reporting", "noop");

  private static ChainException rejected(Chain chain) {
    try {
      chain.validate(JOBS::contains);
    } catch (ChainException e) {
      return e;
    }
    throw new AssertionError("chain " + chain.name() + " was accepted");
  }

  @Test
  void aStepRunningAJobThatFansOutPerTenantIsRejectedNamingIt() {
    Chain chain = Chain.chain("c", "", ChainStep.step("a"), ChainStep.step("b").dependsOn("a"));
    assertThat(chain.validate(JOBS::contains, j -> false)).isSameAs(chain);
    assertThatThrownBy(() -> chain.validate(JOBS::contains, "b"::equals))
        .isInstanceOfSatisfying(
            ChainException.class,
            e -> {
              assertThat(e.field()).isEqualTo("steps[1].job");
              assertThat(e.getMessage()).contains("runs once per tenant");
            });
  }

  @Test
  void paramsThatAreNotAnObjectAndMoreStepsThanAChainTakesAreRejected() {
    ChainStep listed =
        new ChainStep("a", "a", Json.mapper().createArrayNode().add(1), null, null, null, null);
    assertThat(rejected(Chain.chain("p", "", listed)).field()).isEqualTo("steps[0].params");

    List<ChainStep> steps = new ArrayList<>();
    for (int i = 0; i <= Chain.MAX_STEPS; i++) {
      steps.add(ChainStep.step("a").named("s" + i));
    }
    assertThat(rejected(new Chain("big", "", steps)).field()).isEqualTo("steps");
    assertThat(new Chain("big", "", steps.subList(0, Chain.MAX_STEPS)).validate(JOBS::contains))
        .isNotNull();
  }

  @Test
  void aCycleIsRejectedNamingEveryStepOnIt() {
    ChainException e =
        rejected(
            Chain.chain(
                "loop",
                "",
                ChainStep.step("a"),
                ChainStep.step("b").dependsOn("a", "d"),
                ChainStep.step("c").dependsOn("b"),
                ChainStep.step("d").dependsOn("c")));
    assertThat(e.getMessage()).contains("form a cycle").contains("b -> d -> c -> b");
    assertThat(e.step()).isEqualTo("b");
    assertThat(e.field()).isEqualTo("steps[1].depends_on");
  }

  @Test
  void aStepDependingOnItselfIsRejected() {
    ChainException e = rejected(Chain.chain("self", "", ChainStep.step("a").dependsOn("a")));
    assertThat(e.step()).isEqualTo("a");
    assertThat(e.getMessage()).contains("itself");
  }

  @Test
  void anUnknownJobIsRejectedNamingTheStep() {
    ChainException e =
        rejected(
            Chain.chain(
                "typo", "", ChainStep.step("a"), ChainStep.step("reportng").dependsOn("a")));
    assertThat(e.step()).isEqualTo("reportng");
    assertThat(e.field()).isEqualTo("steps[1].job");
    assertThat(e.getMessage()).contains("'reportng'").contains("not registered");
  }

  @Test
  void aDependencyOnNoStepIsRejected() {
    ChainException e =
        rejected(
            Chain.chain("dangling", "", ChainStep.step("a"), ChainStep.step("b").dependsOn("x")));
    assertThat(e.step()).isEqualTo("b");
    assertThat(e.field()).isEqualTo("steps[1].depends_on");
  }

  @Test
  void twoStepsOfOneNameAreRejected() {
    ChainException e = rejected(Chain.chain("twice", "", ChainStep.step("a"), ChainStep.step("a")));
    assertThat(e.field()).isEqualTo("steps[1].name");
  }

  @Test
  void aChainWithoutStepsOrNameIsRejected() {
    assertThat(rejected(new Chain("empty", "", List.of())).field()).isEqualTo("steps");
    assertThat(rejected(Chain.chain(" ", "", ChainStep.step("a"))).field()).isEqualTo("name");
  }

  @Test
  void aDiamondIsAValidChain() {
    Chain diamond =
        Chain.chain(
            "diamond",
            "",
            ChainStep.step("a"),
            ChainStep.step("b").dependsOn("a"),
            ChainStep.step("c").dependsOn("a"),
            ChainStep.step("d").dependsOn("b", "c"));
    assertThat(diamond.validate(JOBS::contains)).isSameAs(diamond);
  }

  @Test
  void aLinearChainNamesRepeatedJobsApart() {
    Chain c = Chain.linear("l", "", List.of("noop", "a", "noop"));
    assertThat(c.steps()).extracting(ChainStep::name).containsExactly("noop", "a", "noop-2");
    assertThat(c.steps())
        .extracting(ChainStep::dependsOn)
        .containsExactly(List.of(), List.of("noop"), List.of("a"));
    c.validate(JOBS::contains);
  }

  @Test
  void aLinearChainNamesAJobListedManyTimesOnceEach() {
    // found by review: each name was looked for among the steps named so far, number after number
    // (n³/6 comparisons: 20,000 listings held the scheduler's loop for good); this names 20,000
    // in a blink, and the old way would not end within the suite
    List<String> jobs = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      jobs.add(i % 3 == 1 ? "noop-" + (i + 1) : "noop");
    }
    Chain c =
        assertTimeoutPreemptively(
            Duration.ofSeconds(60), () -> Chain.linear("many", "", jobs), "named within a minute");
    List<String> names = c.steps().stream().map(ChainStep::name).toList();
    assertThat(Set.copyOf(names)).hasSize(20_000);
    assertThat(names.subList(0, 6))
        .containsExactly("noop", "noop-2", "noop-3", "noop-4", "noop-5", "noop-6");
    for (int i = 1; i < names.size(); i++) { // (a job named noop-k takes that name first)
      assertThat(names.get(i)).isEqualTo("noop-" + (i + 1));
    }
  }

  @Test
  void aStepReadFromJsonGetsTheSeedDefaults() throws Exception {
    ChainStep s = Json.mapper().readValue("{\"job\":\"settlement\"}", ChainStep.class);
    assertThat(s)
        .isEqualTo(
            new ChainStep(
                "settlement", "settlement", Json.object(), List.of(), OnFailure.STOP, 0, 60));
    ChainStep r =
        Json.mapper()
            .readValue(
                "{\"name\":\"inv\",\"job\":\"invoicing\",\"params\":{\"x\":1},\"depends_on\":[\"settlement\"],"
                    + "\"on_failure\":\"retry\",\"retries\":2,\"retry_delay_seconds\":5}",
                ChainStep.class);
    assertThat(r)
        .isEqualTo(
            ChainStep.step("invoicing")
                .named("inv")
                .params(Map.of("x", 1))
                .dependsOn("settlement")
                .retry(2, 5));
    assertThat(Json.mapper().readValue(Json.mapper().writeValueAsString(r), ChainStep.class))
        .isEqualTo(r);
  }

  @Test
  void aStepsRetriesAndDelayHaveBoundsAndTheFieldIsNamed() {
    // (each attempt is kept on the step's run; a day is as long as a retry may wait)
    assertThat(rejected(Chain.chain("many", "", ChainStep.step("a").retry(100, 5))).field())
        .isEqualTo("steps[0].retries");
    assertThat(rejected(Chain.chain("slow", "", ChainStep.step("a").retry(2, 86_401))).field())
        .isEqualTo("steps[0].retry_delay_seconds");
    Chain.chain("ok", "", ChainStep.step("a").retry(99, 86_400)).validate(JOBS::contains);
  }

  @Test
  void anUnknownOnFailureNamesTheValuesAccepted() {
    assertThatThrownBy(
            () ->
                Json.mapper()
                    .readValue("{\"job\":\"a\",\"on_failure\":\"ignore\"}", ChainStep.class))
        .hasMessageContaining("on_failure must be one of [stop, continue, retry]");
  }

  @Test
  void statusesFollowTheirTransitionTables() {
    assertThat(StepStatus.PENDING.moveTo(StepStatus.RUNNING)).isEqualTo(StepStatus.RUNNING);
    assertThatThrownBy(() -> StepStatus.COMPLETED.moveTo(StepStatus.RUNNING))
        .hasMessageContaining("from completed to running");
    assertThatThrownBy(() -> ChainStatus.FAILED.moveTo(ChainStatus.RUNNING))
        .hasMessageContaining("from failed to running");
    assertThat(ChainStatus.COMPLETED_WITH_FAILURES.wire()).isEqualTo("completed_with_failures");
  }
}
