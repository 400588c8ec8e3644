package io.jobline.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import org.junit.jupiter.api.Test;

/** What `jobline run` reads of the standalone defaults without building a whole configuration. */
class LocalRunSettingsTest {
  @Test
  void theStandaloneDefaultsGiveTheStoreTheJobsAndTheLogLevels() throws Exception {
    LocalRunSettings defaults = LocalRunSettings.standaloneDefaults();

    assertThat(defaults.mongo().uri).isEqualTo("mongodb://localhost:27117");
    assertThat(defaults.jobs().scanned()).contains("io.jobline.examples", "io.jobline.builtins");
    assertThat(defaults.jobs().builtins.biExport.tenantField).isEqualTo("tenant_id");
    assertThat(defaults.rootLevel()).isEqualTo(Level.INFO);
    assertThat(defaults.loggers()).containsEntry("org.mongodb.driver", Level.WARN);
  }

  @Test
  void aValueBeanValidationRefusesIsNamedWithItsKeyAsInAnyConfiguration() {
    assertThatThrownBy(
            () ->
                LocalRunSettings.read("jobs:\n  builtins:\n    jobRuns:\n      retentionDays: 0\n"))
        .isInstanceOf(CliFailure.class)
        .hasMessageContaining("jobs.builtins.jobRuns.retentionDays")
        .satisfies(e -> assertThat(((CliFailure) e).exitCode()).isEqualTo(ExitCode.INVALID));
  }

  @Test
  void anUnknownKeyIsRefused() {
    assertThatThrownBy(() -> LocalRunSettings.read("jobs:\n  packagez: [x]\n"))
        .isInstanceOf(CliFailure.class)
        .hasMessageContaining("packagez");
    assertThatThrownBy(() -> LocalRunSettings.read("mongo:\n  uri: http://nope\n"))
        .isInstanceOf(CliFailure.class)
        .hasMessageContaining("mongo.uri");
  }
}
