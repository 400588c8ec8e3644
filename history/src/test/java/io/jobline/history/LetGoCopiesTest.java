package io.jobline.history;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.run.RunRecord;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunId;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** A task's copies of the runs it let go are bounded by count and by age. */
class LetGoCopiesTest {
  private static final long NOW = 1_550;

  private static RunRecord run(String id) {
    JobRequest request =
        JobRequest.manual(RunId.of(id), "noop", Json.object(), "t1", Instant.EPOCH, "api");
    return new RunFold(10).apply(id, RunInput.of(request), null);
  }

  @Test
  void aFullTaskKeepsItsOldestCopiesAndTakesNoMore() {
    LetGoCopies copies = new LetGoCopies(2, 60_000);
    copies.keep(run("a"), 0);
    copies.keep(run("b"), 1);
    copies.keep(run("c"), 2); // no room: c is read back when its next input comes
    assertThat(copies.get("a", NOW)).isEqualTo(run("a"));
    assertThat(copies.get("b", NOW)).isEqualTo(run("b"));
    assertThat(copies.get("c", NOW)).isNull();

    copies.remove("a"); // an input changed a: it is in the state now
    copies.keep(run("c"), 3);
    assertThat(copies.get("a", NOW)).isNull();
    assertThat(copies.get("c", NOW)).isEqualTo(run("c"));
    assertThat(copies.size()).isEqualTo(2);
  }

  @Test
  void noCapacityKeepsNone() {
    LetGoCopies copies = new LetGoCopies(0, 60_000);
    copies.keep(run("a"), 0);
    assertThat(copies.get("a", 0)).isNull();
  }

  @Test
  void aCopyAgesOutAndMakesRoom() {
    LetGoCopies copies = new LetGoCopies(2, 1_000);
    copies.keep(run("a"), 0);
    copies.keep(run("b"), 500);
    copies.keep(run("a"), 600); // kept again: its age starts over
    copies.keep(run("c"), 1_500); // b is 1 s old: gone, and c has its place
    assertThat(copies.get("b", NOW)).isNull();
    assertThat(copies.get("a", NOW)).isNotNull();
    assertThat(copies.get("c", NOW)).isNotNull();
    copies.keep(run("d"), 1_550); // full again
    assertThat(copies.get("d", NOW)).isNull();
    assertThat(copies.get("a", 1_600)).as("too old to be handed out, nothing kept since").isNull();
    assertThat(copies.get("c", 1_600)).isNotNull();

    copies.clear();
    assertThat(copies.size()).isZero();
  }
}
