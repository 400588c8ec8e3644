package io.jobline.builtins.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jobline.job.JobException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TargetsTest {
  private final Map<String, String> env =
      Map.of("WAREHOUSE_URL", "postgresql://bi:secret@db:5432/warehouse");

  @Test
  void aConnectionStringGivenAsEnvNameIsReadFromTheExecutorsEnvironment() {
    assertThat(Targets.resolve("env:WAREHOUSE_URL", env::get))
        .isEqualTo("postgresql://bi:secret@db:5432/warehouse");
    assertThat(Targets.resolve("jdbc:postgresql://db/bi", env::get))
        .isEqualTo("jdbc:postgresql://db/bi");
  }

  @Test
  void anUnsetVariableFailsTheRunNamingIt() {
    assertThatThrownBy(() -> Targets.resolve("env:MISSING_URL", env::get))
        .isInstanceOf(JobException.class)
        .hasMessageContaining("MISSING_URL")
        .hasMessageContaining("not set");
  }
}
