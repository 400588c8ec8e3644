package io.jobline.executor;

import java.util.function.Supplier;
import org.apache.kafka.common.errors.WakeupException;

/**
 * Runs a blocking consumer call that must not be cut short by a {@code wakeup()} meant for the next
 * poll. The executor wakes its consumer whenever an event waits to be sent; a wake-up that lands in
 * {@code committed()} inside a rebalance callback used to abort the callback silently, leaving
 * partitions assigned to the consumer but never leased or read (found by {@code jobline chaos}:
 * three partitions stood still for the rest of the run).
 */
final class ThroughWakeups {
  private ThroughWakeups() {}

  /**
   * The call's result; a wake-up is swallowed and the call made again (the poll it was for comes
   * next anyway).
   */
  static <T> T call(Supplier<T> blocking) {
    while (true) {
      try {
        return blocking.get();
      } catch (WakeupException woken) {
        // the flag is cleared by the throw: the call can be made again
      }
    }
  }
}
