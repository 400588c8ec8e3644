package io.jobline.app.chaos;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The check of a chaos run once its load has drained: for each fault's window, the runs accepted
 * then and what became of them, double executions and fires, missed fires, dead letters and how
 * long the load took to be served as before.
 */
final class FaultCheck {
  private final Checker checker;
  private final Load load;
  private final FaultInjector faults;
  private final ChaosSchedules schedules;
  private final long warmFrom;
  private final long warmTo;

  /**
   * @param warmFrom start of the steady stretch of the warm-up the fault windows are measured
   *     against
   * @param warmTo its end
   */
  FaultCheck(
      Checker checker,
      Load load,
      FaultInjector faults,
      ChaosSchedules schedules,
      long warmFrom,
      long warmTo) {
    this.checker = checker;
    this.load = load;
    this.faults = faults;
    this.schedules = schedules;
    this.warmFrom = warmFrom;
    this.warmTo = warmTo;
  }

  List<ChaosRun.FaultResult> results(List<FaultWindow> windows, long loadEnd) throws Exception {
    double baselinePerSecond = completionsPerSecond(warmFrom, warmTo);
    List<Load.Accepted> accepted = load.accepted();
    Map<String, String> statuses =
        checker.statuses(accepted.stream().map(Load.Accepted::runId).distinct().toList());
    List<Checker.Execution> executions = checker.executions();
    List<Long> doubles = Checker.doubleExecutions(executions, faults.deaths());
    Map<String, Long> doneTwice = Checker.doneMoreThanOnce(executions);
    Map<Checker.Fire, List<String>> fires = checker.fires("chaos-s-");
    List<Checker.Fire> owed = schedules.owed(loadEnd - 15_000);
    long[] dlq = checker.deadLetters(Duration.ofSeconds(60));
    List<String> chainsOpen =
        checker.unfinishedChains(
            load.chains().stream().map(Load.ChainAccepted::chainRunId).toList());
    long prompt = Recovery.servedPromptly(executions, accepted, warmFrom, warmTo);
    List<ChaosRun.FaultResult> out = new ArrayList<>();
    for (int i = 0; i < windows.size(); i++) {
      FaultWindow w = windows.get(i);
      long from = w.start;
      long to = i + 1 < windows.size() ? windows.get(i + 1).start : loadEnd;
      List<Load.Accepted> mine =
          accepted.stream().filter(a -> a.atMillis() >= from && a.atMillis() < to).toList();
      long completed =
          mine.stream().filter(a -> "completed".equals(statuses.get(a.runId()))).count();
      long lost = mine.stream().filter(a -> !Checker.ended(statuses.get(a.runId()))).count();
      long doubleExecutions = doubles.stream().filter(t -> t >= from && t < to).count();
      long doubleFires = 0;
      long missedFires = 0;
      long owedHere = 0;
      for (Checker.Fire fire : owed) {
        long at = fire.nominal().toEpochMilli();
        if (at < from || at >= to) {
          continue;
        }
        owedHere++;
        List<String> runs = fires.getOrDefault(fire, List.of());
        if (runs.isEmpty()) {
          missedFires++;
        } else if (runs.size() > 1) {
          doubleFires++;
        }
      }
      long again = doneTwice.values().stream().filter(t -> t >= from && t < to).count();
      List<String> notes = new ArrayList<>(w.notes);
      if (owedHere > 0) {
        notes.add(owedHere + " fires owed");
      }
      if (again > 0) {
        notes.add(
            again
                + " runs done again one after the other (a batch whose events were void, run anew)");
      }
      if (lost > 0) {
        notes.add(
            "lost e.g. "
                + mine.stream()
                    .filter(a -> !Checker.ended(statuses.get(a.runId())))
                    .limit(3)
                    .map(
                        a ->
                            a.runId()
                                + " ("
                                + a.via()
                                + ", "
                                + statuses.getOrDefault(a.runId(), "absent")
                                + ")")
                    .toList());
      }
      boolean violated = w.violated;
      if (w.fault == Fault.POISON_RECORDS) {
        notes.add(dlq[0] + " records in the dead-letter topic, " + dlq[1] + " with a reason");
        if (dlq[1] < faults.poisonSent()) {
          violated = true;
          notes.add("expected at least " + faults.poisonSent() + " dead letters with a reason");
        }
      }
      Double recovery =
          Recovery.recoverySeconds(executions, accepted, baselinePerSecond, prompt, w.faultEnd, to);
      if (recovery == null) {
        notes.add(
            "the load was not served as before within the window: completions under 80% of the steady rate ("
                + Math.round(baselinePerSecond)
                + "/s) or new runs waiting over "
                + prompt
                + " ms to start");
      }
      out.add(
          new ChaosRun.FaultResult(
              w.fault.wire(),
              mine.size(),
              completed,
              lost,
              doubleExecutions,
              doubleFires,
              missedFires,
              recovery,
              notes,
              violated));
    }
    if (!chainsOpen.isEmpty() && !out.isEmpty()) {
      ChaosRun.FaultResult last = out.remove(out.size() - 1);
      List<String> notes = new ArrayList<>(last.notes());
      notes.add(
          chainsOpen.size() + " chain runs never ended: " + chainsOpen.stream().limit(3).toList());
      out.add(
          new ChaosRun.FaultResult(
              last.name(),
              last.accepted(),
              last.completed(),
              last.lost(),
              last.doubleExecutions(),
              last.doubleFires(),
              last.missedFires(),
              last.recoverySeconds(),
              notes,
              true));
    }
    return out;
  }

  private double completionsPerSecond(long from, long to) throws IOException {
    long n =
        checker.executions().stream()
            .filter(e -> e.end() != null && e.end() >= from && e.end() < to)
            .count();
    return n * 1000.0 / Math.max(1, to - from);
  }
}
