package io.jobline.store;

/** Tells a store that cannot be reached from a store that refuses one document. */
public final class StoreFailures {
  private StoreFailures() {}

  /**
   * True when the error (or a cause of it) says MongoDB could not be reached or answered in time:
   * trying the same write later is right, and the data written is not at fault.
   */
  public static boolean unavailable(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof com.mongodb.MongoTimeoutException || t instanceof com.mongodb.MongoSocketException
          || t instanceof com.mongodb.MongoServerUnavailableException
          || t instanceof com.mongodb.MongoNotPrimaryException
          || t instanceof com.mongodb.MongoInterruptedException) {
        return true;
      }
      if (t.getMessage() != null && t.getMessage().contains("This store is closed")) {
        return true; // the embedded store's file is closed (it is restarting): not this document's fault
      }
    }
    return false;
  }
}
