package io.jobline.app;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import java.util.concurrent.TimeUnit;

/**
 * The settings every long-lived MongoDB client of Jobline starts from: how long to look for a
 * server, and how long to wait for a reply on a connection before giving it up.
 */
final class StoreClients {
  /** How long a role looks for a reachable server before an operation fails. */
  static final int SERVER_SELECTION_SECONDS = 5;

  /**
   * How long an operation waits for the store's reply on an open connection. Without it, a
   * connection whose other end vanished without a reset (a host gone, a network split) held the
   * thread waiting on it for good: a role's poll loop or a job never came back (found by review).
   * Long enough for the slowest single command Jobline sends (a retention job's delete, an index
   * built at start on a large collection).
   */
  static final int READ_TIMEOUT_SECONDS = 120;

  private StoreClients() {}

  /**
   * Settings for {@code uri}; its own {@code serverSelectionTimeoutMS} and {@code socketTimeoutMS}
   * win over the defaults above.
   */
  static MongoClientSettings.Builder settings(ConnectionString uri) {
    return MongoClientSettings.builder()
        .applyToClusterSettings(
            c -> c.serverSelectionTimeout(SERVER_SELECTION_SECONDS, TimeUnit.SECONDS))
        .applyToSocketSettings(s -> s.readTimeout(READ_TIMEOUT_SECONDS, TimeUnit.SECONDS))
        .applyConnectionString(uri);
  }
}
