package io.jobline.executor;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What becomes of a run, as a test records it: "finished", "held elsewhere" or "gone", in order.
 */
final class RecordingOutcome implements RunOutcome {
  final List<String> outcomes = new CopyOnWriteArrayList<>();

  /** The requests held back to wait on a claim elsewhere. */
  final List<Pending> heldBack = new CopyOnWriteArrayList<>();

  @Override
  public EndMark finished(Pending pending) {
    outcomes.add("finished");
    return new EndMark(pending);
  }

  @Override
  public void heldElsewhere(Pending pending, Instant until) {
    outcomes.add("held elsewhere");
    heldBack.add(pending);
  }

  @Override
  public void gone(Pending pending) {
    outcomes.add("gone");
  }
}
