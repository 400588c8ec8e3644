package io.jobline.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jobline.chain.ChainException;
import org.junit.jupiter.api.Test;

class JoblineExceptionTest {
  @Test
  void aMissingResourceNamesItsTypeAndNameWithTheMessageJobsHaveAlwaysSeen() {
    assertThatThrownBy(() -> JobResources.NONE.resource(StringBuilder.class))
        .isInstanceOfSatisfying(
            ResourceUnavailableException.class,
            e -> {
              assertThat(e.type()).isEqualTo(StringBuilder.class);
              assertThat(e.name()).isNull();
            })
        .hasMessage("this job needs a StringBuilder, which is not available here");
    assertThatThrownBy(() -> JobResources.NONE.resource(StringBuilder.class, "app"))
        .isInstanceOfSatisfying(
            ResourceUnavailableException.class, e -> assertThat(e.name()).isEqualTo("app"))
        .hasMessage("this job needs the StringBuilder 'app', which is not available here");
  }

  @Test
  void theSdksExceptionsShareOneRoot() {
    assertThat(new JobException("x")).isInstanceOf(JoblineException.class);
    assertThat(new ResourceUnavailableException(String.class, null))
        .isInstanceOf(JobException.class);
    assertThat(new ChainException("c", null, "name", "x")).isInstanceOf(JoblineException.class);
  }
}
