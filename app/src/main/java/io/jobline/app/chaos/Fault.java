package io.jobline.app.chaos;

/** The faults {@code jobline chaos} injects, each under load, one after the other. */
public enum Fault {
  KILL_EXECUTOR("kill-executor", "SIGKILL an executor with runs in flight"),
  KILL_SCHEDULER("kill-scheduler", "SIGKILL the leading scheduler just before a minute boundary"),
  KILL_HISTORY("kill-history", "SIGKILL a history process mid-commit"),
  KILL_API(
      "kill-api",
      "SIGKILL an api while requests are in flight; clients retry on the other with the same key"),
  BROKER_RESTART(
      "broker-restart", "stop the broker leading most request partitions, then start it"),
  STORE_OUTAGE("store-outage", "stop the Mongo-wire store, then start it on the same data"),
  POISON_RECORDS(
      "poison-records", "bad records (not JSON, unknown job, bad params, huge) among good ones"),
  EXECUTOR_PAUSE("executor-pause", "SIGSTOP an executor for longer than its lease, then SIGCONT"),
  CLOCK_JUMP("clock-jump", "the leading scheduler's clock jumps forward 90 s and back");

  private final String wire;
  private final String description;

  Fault(String wire, String description) {
    this.wire = wire;
    this.description = description;
  }

  public String wire() {
    return wire;
  }

  public String description() {
    return description;
  }

  @Override
  public String toString() {
    return wire;
  }
}
