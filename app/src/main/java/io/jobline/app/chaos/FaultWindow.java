package io.jobline.app.chaos;

import java.util.ArrayList;
import java.util.List;

/**
 * A fault's window in a chaos run: from its injection until the next one begins, with what the
 * injection noted and whether it already broke a rule.
 */
final class FaultWindow {
  final Fault fault;
  final long start;
  long faultEnd;
  long end;
  final List<String> notes = new ArrayList<>();
  boolean violated;

  FaultWindow(Fault fault, long start) {
    this.fault = fault;
    this.start = start;
  }
}
