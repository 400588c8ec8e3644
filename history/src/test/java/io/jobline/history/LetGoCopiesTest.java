package io.jobline.history;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.run.RunRecord;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunId;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * A task's copies of the runs it let go are bounded by count, by the bytes of params and by age.
 */
class LetGoCopiesTest {
  private static final long NOW = 1_550;

  private static RunRecord run(String id) {
    return run(id, 0);
  }

  /** A run let go, with params of one text of {@code chars} characters (none for 0). */
  private static RunRecord run(String id, int chars) {
    ObjectNode params = Json.object();
    if (chars > 0) {
      params.put("blob", "x".repeat(chars));
    }
    JobRequest request =
        JobRequest.manual(RunId.of(id), "noop", params, "t1", Instant.EPOCH, "api");
    return new RunFold(10).apply(id, RunInput.of(request), null);
  }

  @Test
  void copiesWhoseParamsWouldWeighMoreThanTheTasksShareAreNotKept() {
    long one = JsonWeight.ofRun(run("a", 60_000));
    LetGoCopies copies = new LetGoCopies(100, 2 * one, 60_000);
    copies.keep(run("a", 60_000), 0);
    copies.keep(run("b", 60_000), 1);
    copies.keep(run("c", 60_000), 2); // no room by bytes: read back when its next input comes
    assertThat(copies.bytes()).isEqualTo(2 * one);
    assertThat(copies.get("c", NOW)).isNull();
    assertThat(copies.get("a", NOW)).isNotNull();

    copies.remove("a");
    assertThat(copies.bytes()).isEqualTo(one);
    copies.keep(run("c", 60_000), 3);
    assertThat(copies.get("c", NOW)).isNotNull();
    copies.keep(run("c", 60_000), 4); // kept again: counted once
    assertThat(copies.bytes()).isEqualTo(2 * one);
    assertThat(copies.get("b", 60_001)).as("aged out").isNull();
    assertThat(copies.bytes()).isEqualTo(one);
    copies.keep(run("d"), 60_004); // c ages out as d comes
    assertThat(copies.bytes()).isEqualTo(JsonWeight.ofRun(run("d")));
    copies.clear();
    assertThat(copies.bytes()).isZero();
  }

  @Test
  void aFullTaskKeepsItsOldestCopiesAndTakesNoMore() {
    LetGoCopies copies = new LetGoCopies(2, Long.MAX_VALUE, 60_000);
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
    LetGoCopies copies = new LetGoCopies(0, Long.MAX_VALUE, 60_000);
    copies.keep(run("a"), 0);
    assertThat(copies.get("a", 0)).isNull();
  }

  @Test
  void aCopyAgesOutAndMakesRoom() {
    LetGoCopies copies = new LetGoCopies(2, Long.MAX_VALUE, 1_000);
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
