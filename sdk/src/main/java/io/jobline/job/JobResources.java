package io.jobline.job;

import java.time.Clock;
import java.util.Optional;

/**
 * What the executor can hand to a job class: give it a public constructor taking {@code
 * JobResources} instead of a no-argument one. The SDK names no database client; a process offers
 * what it has by type, e.g. a Jobline process offers {@code com.mongodb.client.MongoDatabase}.
 */
public interface JobResources {
  /** The clock the executor runs on: read the time from it, so tests can move it. */
  Clock clock();

  /**
   * A resource of type {@code type} that this process offers jobs. In a Jobline process, {@code
   * resource(MongoDatabase.class)} is Jobline's own database (schedules, runs, timers).
   *
   * @throws ResourceUnavailableException where the process offers no such resource (e.g. {@link
   *     #NONE})
   */
  default <T> T resource(Class<T> type) {
    throw new ResourceUnavailableException(type, null);
  }

  /**
   * A resource of type {@code type} named {@code name}: in a Jobline process, {@code
   * resource(MongoDatabase.class, "app")} is the database {@code app} on the same MongoDB
   * deployment as Jobline's, e.g. the application's own.
   *
   * @throws ResourceUnavailableException where the process offers no such resource
   */
  default <T> T resource(Class<T> type, String name) {
    throw new ResourceUnavailableException(type, name);
  }

  /**
   * The settings of type {@code type} that this process's configuration binds for jobs (for example
   * the built-in jobs' {@code jobs.builtins} section), already validated; empty when there are
   * none.
   */
  default <T> Optional<T> settings(Class<T> type) {
    return Optional.empty();
  }

  /**
   * None: for runs outside a cluster (e.g. {@code jobline run}), where jobs needing a database fail
   * clearly.
   */
  JobResources NONE = Clock::systemUTC;
}
