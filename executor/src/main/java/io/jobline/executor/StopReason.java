package io.jobline.executor;

/**
 * Why a running job was asked to stop; the first reason given wins and decides how its run ends.
 */
enum StopReason {
  /** It ran past its timeout: the run ends timed out. */
  TIMEOUT,
  /** Someone cancelled it: the run ends cancelled. */
  CANCEL,
  /** The executor is shutting down: a job that stopped on being asked is run again elsewhere. */
  SHUTDOWN,
  /**
   * Its lease lapsed or went to another executor: nothing it ends is published; it runs elsewhere.
   */
  FENCED
}
