package io.jobline.app;

/** The exit codes of every {@code jobline} command (README, "Exit codes"). */
final class ExitCode {
  /** Done; for a run: it completed. */
  static final int OK = 0;

  /**
   * The run failed or was cancelled, the API refused the request, or something unexpected broke.
   */
  static final int FAILED = 1;

  /**
   * Bad usage or input: an unknown command or option, invalid params, no such job, run or schedule.
   */
  static final int INVALID = 2;

  /**
   * What the command needs is not there: no Jobline API at the address tried, or a port it must
   * listen on is taken.
   */
  static final int UNAVAILABLE = 3;

  /** The run timed out. */
  static final int TIMED_OUT = 124;

  /** Interrupted (Ctrl-C). */
  static final int INTERRUPTED = 130;

  private ExitCode() {}
}
