package io.jobline.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One process at a time on a data folder, as another process sees it. */
class DataDirLockTest {
  @TempDir Path dir;
  @TempDir Path probeDir;

  @Test
  void aSecondTakeInThisProcessIsRefusedAndTheFolderStaysLockedToOthers() throws Exception {
    Path data = dir.resolve("data");
    try (DataDirLock held = DataDirLock.take(data)) {
      assertThat(anotherProcessCanLock(data)).isFalse();

      assertThatThrownBy(() -> DataDirLock.take(data))
          .isInstanceOf(CliFailure.class)
          .hasMessageContaining("is in use by process " + ProcessHandle.current().pid());
      Files.createDirectories(dir.resolve("other"));
      assertThatThrownBy(() -> DataDirLock.take(dir.resolve("other/../data")))
          .isInstanceOf(CliFailure.class);

      // found by review: the refused take closed a channel on the file, which gave up the lock
      assertThat(anotherProcessCanLock(data)).isFalse();
    }
    assertThat(anotherProcessCanLock(data)).isTrue();
    try (DataDirLock again = DataDirLock.take(data)) {
      assertThat(anotherProcessCanLock(data)).isFalse();
    }
  }

  /** Whether a JVM of its own gets the lock on the folder's lock file (and lets it go at once). */
  private boolean anotherProcessCanLock(Path data) throws Exception {
    Path probe = probeDir.resolve("Probe.java");
    Files.writeString(
        probe,
        """
        import java.nio.channels.FileChannel;
        import java.nio.file.Path;
        import java.nio.file.StandardOpenOption;

        public class Probe {
          public static void main(String[] args) throws Exception {
            try (FileChannel c = FileChannel.open(Path.of(args[0]), StandardOpenOption.WRITE)) {
              System.out.print(c.tryLock() == null ? "held" : "free");
            }
          }
        }
        """);
    String java = ProcessHandle.current().info().command().orElse("java");
    Process p =
        new ProcessBuilder(java, probe.toString(), data.resolve(".jobline.lock").toString())
            .redirectErrorStream(true)
            .start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the probe ended").isTrue();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(out).as("the probe's answer").isIn("held", "free");
    return out.equals("free");
  }
}
