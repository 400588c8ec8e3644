package io.jobline.executor;

import static org.assertj.core.api.Assertions.assertThat;

import io.dropwizard.util.Duration;
import io.dropwizard.validation.BaseValidator;
import jakarta.validation.ConstraintViolation;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Settings an executor cannot work with are refused at boot, naming the key (found by review: each
 * of these was taken, and the executor fenced its own runs, timed its transactions out or spun).
 */
class ExecutorSettingsTest {
  @Test
  void theDefaultsAndTheTestsSettingsAreValid() {
    assertThat(violations(s -> {})).isEmpty();
    assertThat(BaseValidator.newValidator().validate(ExecutorHarness.settings("e1"))).isEmpty();
  }

  @Test
  void settingsAnExecutorCannotWorkWithAreRefusedNamingTheKey() {
    assertThat(violations(s -> s.commitInterval = Duration.milliseconds(0)))
        .containsExactly("commitInterval");
    assertThat(violations(s -> s.claimTtl = Duration.seconds(0))).containsExactly("claimTtl");
    assertThat(violations(s -> s.sessionTimeout = Duration.milliseconds(0)))
        .containsExactly("sessionTimeout");
    assertThat(violations(s -> s.groupId = "")).containsExactly("groupId");
    assertThat(violations(s -> s.executorId = " ")).containsExactly("executorId");
    assertThat(
            violations(
                s -> {
                  s.transactionTimeout = Duration.seconds(2);
                  s.commitInterval = Duration.seconds(5);
                }))
        .containsExactly("transactionLongerThanACommit");
    assertThat(
            violations(
                s -> {
                  s.retryBackoff = Duration.minutes(10);
                  s.retryBackoffCap = Duration.seconds(1);
                }))
        .containsExactly("retryBackoffWithinItsCap");
  }

  private static List<String> violations(Consumer<ExecutorSettings> change) {
    ExecutorSettings s = new ExecutorSettings();
    change.accept(s);
    return BaseValidator.newValidator().validate(s).stream()
        .map(ConstraintViolation::getPropertyPath)
        .map(Object::toString)
        .sorted()
        .toList();
  }
}
