package io.jobline.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The data folder of {@code bench --store h2}: a temporary one goes, one given stays. */
class BenchFolderTest {
  @Test
  void aTemporaryFolderIsDeletedAfterTheBenchWithAllItHoldsEvenWhenTheBenchFails()
      throws Exception {
    List<Path> used = new ArrayList<>();
    int code =
        BenchCommand.inFolder(
            true,
            null,
            folder -> {
              used.add(folder);
              Files.createDirectories(folder.resolve("kafka/requests-0"));
              Files.writeString(folder.resolve("kafka/requests-0/00.log"), "x".repeat(10_000));
              Files.writeString(folder.resolve("store.mv.db"), "y");
              return 0;
            });
    assertThat(code).isZero();
    assertThat(used.get(0).getFileName().toString()).startsWith("jobline-bench-");
    assertThat(used.get(0)).doesNotExist();

    assertThatThrownBy(
            () ->
                BenchCommand.inFolder(
                    true,
                    null,
                    folder -> {
                      used.add(folder);
                      Files.writeString(folder.resolve("store.mv.db"), "y");
                      throw new IllegalStateException("the bench gave up");
                    }))
        .hasMessage("the bench gave up");
    assertThat(used.get(1)).doesNotExist();
  }

  @Test
  void aFolderGivenIsUsedAndKeptAndTheMemoryStoreHasNone(@TempDir Path given) throws Exception {
    BenchCommand.inFolder(
        true,
        given,
        folder -> {
          assertThat(folder).isEqualTo(given);
          Files.writeString(folder.resolve("store.mv.db"), "y");
          return 0;
        });
    assertThat(given.resolve("store.mv.db")).exists();

    List<Path> used = new ArrayList<>();
    BenchCommand.inFolder(
        false,
        given,
        folder -> {
          used.add(folder);
          return 0;
        });
    assertThat(used).containsExactly((Path) null);
  }
}
