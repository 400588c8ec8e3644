package io.jobline.executor;

import java.time.Instant;

/**
 * How long this executor may still act on a lease (a partition's, or a run's own claim) by its own
 * clock, without asking the store. Once that time has passed the hold has lapsed for good: another
 * executor may have taken the lease since, so a run under it must stop, and a renewal that succeeds
 * afterwards does not revive it (the run that noticed has stopped already; its request runs again
 * under a new lease). A frozen process that wakes finds its holds lapsed the first time anything
 * looks, whichever of its threads runs first.
 */
final class Hold {
  private Instant validUntil;
  private boolean lapsed;

  Hold(Instant validUntil) {
    this.validUntil = validUntil;
  }

  /** Whether the hold has lapsed at {@code now}; the first look past its end makes that final. */
  synchronized boolean lapsed(Instant now) {
    if (!lapsed && !now.isBefore(validUntil)) {
      lapsed = true;
    }
    return lapsed;
  }

  /** Ends the hold now (the lease was lost or taken over). */
  synchronized void lapse() {
    lapsed = true;
  }

  /**
   * Moves the end of the hold to {@code until} after its lease was renewed; false if it lapsed
   * meanwhile (the renewal came too late to count).
   */
  synchronized boolean extend(Instant until) {
    if (lapsed) {
      return false;
    }
    if (until.isAfter(validUntil)) {
      validUntil = until;
    }
    return true;
  }

  synchronized Instant validUntil() {
    return validUntil;
  }
}
