package io.jobline.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class StandaloneArchiveDirTest {
  private static final Path DATA = Path.of("/srv/jobline-data-2");

  @Test
  void aFolderGivenIsKeptAndOnlyTheDefaultMovesToTheDataFolder() {
    // found by review: standalone put the archive in its data folder unless the environment
    // variable was set, so a folder given in a config file or a system property was ignored
    assertThat(Standalone.archiveDir("/mnt/bucket/audit", null, DATA))
        .isEqualTo("/mnt/bucket/audit");
    assertThat(Standalone.archiveDir("/from/env", "/from/env", DATA)).isEqualTo("/from/env");
    assertThat(Standalone.archiveDir(Standalone.ARCHIVE_DIR_UNLESS_GIVEN, null, DATA))
        .isEqualTo("/srv/jobline-data-2/audit-archive");
  }

  @Test
  void theDefaultIsTheOneStandalonesConfigurationGives() throws Exception {
    try (InputStream in =
        Standalone.class.getClassLoader().getResourceAsStream("jobline-standalone.yml")) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8))
          .contains("${JOBS_AUDIT_ARCHIVE_DIR:-" + Standalone.ARCHIVE_DIR_UNLESS_GIVEN + "}");
    }
  }
}
