package io.jobline.builtins.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.jobline.job.JobException;
import java.util.List;
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

  @Test
  void aConnectionThatFailsSaysWhyWithoutThePasswordItWasGiven() {
    // found by review: the URI parser's and the driver's messages quote the connection string,
    // and the message becomes the run's error, defeating env:NAME
    for (String bad :
        List.of(
            "postgresql://bi:s3cr^t@db:5432/warehouse", // a character a URI does not allow
            "jdbc:postgres://bi:s3cr^t@db:5432/warehouse")) { // no driver for it
      Throwable thrown = catchThrowable(() -> JdbcTarget.open(new PostgresDialect(), bad).close());
      assertThat(thrown).isNotNull();
      for (Throwable t = thrown; t != null; t = t.getCause()) {
        assertThat(String.valueOf(t.getMessage())).as(bad).doesNotContain("s3cr^t");
      }
      assertThat(thrown.getMessage()).contains("<connection string>");
    }
  }
}
