package io.jobline.store;

import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoException;
import com.mongodb.MongoInterruptedException;
import com.mongodb.MongoNodeIsRecoveringException;
import com.mongodb.MongoNotPrimaryException;
import com.mongodb.MongoServerUnavailableException;
import com.mongodb.MongoSocketException;
import com.mongodb.MongoTimeoutException;
import com.mongodb.MongoWriteConcernException;

/** Tells a store that cannot be reached from a store that refuses one document. */
public final class StoreFailures {
  private StoreFailures() {}

  /**
   * True when the error (or a cause of it) says MongoDB could not be reached or answered in time,
   * or could not make a write durable as asked: trying the same write later is right, and the data
   * written is not at fault. Besides timeouts, socket errors and a primary gone, that is a write
   * concern not met (a replica lagging, {@code wtimeoutMS}), a node recovering or stepping down,
   * and whatever MongoDB labels retryable; a bulk write refused only for its write concern, with no
   * document of it refused. (Found by review: history took those for documents refused, set a whole
   * batch aside as failed runs, and refused their real ends.)
   */
  public static boolean unavailable(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof MongoTimeoutException
          || t instanceof MongoSocketException
          || t instanceof MongoServerUnavailableException
          || t instanceof MongoNotPrimaryException
          || t instanceof MongoInterruptedException
          || t instanceof MongoNodeIsRecoveringException
          || t instanceof MongoWriteConcernException) {
        return true;
      }
      if (t instanceof MongoBulkWriteException bulk
          && bulk.getWriteConcernError() != null
          && bulk.getWriteErrors().isEmpty()) {
        return true;
      }
      if (t instanceof MongoException m
          && (m.hasErrorLabel("RetryableWriteError")
              || m.hasErrorLabel(MongoException.TRANSIENT_TRANSACTION_ERROR_LABEL))) {
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
