package io.jobline.app;

import io.dropwizard.lifecycle.Managed;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The small {@link Managed} wrappers the wiring hands to Dropwizard's lifecycle. */
final class Lifecycles {
  private Lifecycles() {}

  /** {@code role}, saying when it stops what the stop waits for and how long it took. */
  static Managed stopTold(String what, Managed role, Supplier<String> waitsFor) {
    return new Managed() {
      @Override
      public void start() throws Exception {
        role.start();
      }

      @Override
      public void stop() throws Exception {
        Logger log = LoggerFactory.getLogger(JoblineApplication.class);
        log.info("Stopping {}: waiting for {}", what, waitsFor.get());
        long t0 = System.nanoTime();
        role.stop();
        log.info("Stopped {} in {} ms", what, (System.nanoTime() - t0) / 1_000_000);
      }
    };
  }

  /** Runs {@code close} when the application stops. */
  static Managed closing(Runnable close) {
    return new Managed() {
      @Override
      public void stop() {
        close.run();
      }
    };
  }
}
