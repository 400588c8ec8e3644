package io.jobline.store;

import com.mongodb.MongoInterruptedException;
import com.mongodb.MongoNotPrimaryException;
import com.mongodb.MongoServerUnavailableException;
import com.mongodb.MongoSocketException;
import com.mongodb.MongoTimeoutException;

/** Tells a store that cannot be reached from a store that refuses one document. */
public final class StoreFailures {
  private StoreFailures() {}

  /**
   * True when the error (or a cause of it) says MongoDB could not be reached or answered in time:
   * trying the same write later is right, and the data written is not at fault.
   */
  public static boolean unavailable(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof MongoTimeoutException
          || t instanceof MongoSocketException
          || t instanceof MongoServerUnavailableException
          || t instanceof MongoNotPrimaryException
          || t instanceof MongoInterruptedException) {
        return true;
      }
      if (t.getMessage() != null && t.getMessage().contains("This store is closed")) {
        return true; // the embedded store's file is closed (it is restarting): not this document's
        // fault
      }
    }
    return false;
  }
}
