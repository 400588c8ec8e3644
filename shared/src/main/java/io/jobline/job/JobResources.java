package io.jobline.job;

import com.mongodb.client.MongoDatabase;
import java.time.Clock;
import java.util.Optional;

/**
 * What the executor can hand to a job class: give it a public constructor taking
 * {@code JobResources} instead of a no-argument one.
 */
public interface JobResources {
  /**
   * Jobline's own database (schedules, runs, timers).
   *
   * @throws JobException where no database is available (e.g. {@link #NONE})
   */
  MongoDatabase database();

  /** The clock the executor runs on. */
  Clock clock();

  /**
   * Another database on the same MongoDB deployment as Jobline's, e.g. the application's own.
   *
   * @throws JobException where no database is available
   */
  default MongoDatabase database(String name) {
    throw new JobException("this job needs the database '" + name + "', which is not available here");
  }

  /**
   * The settings of type {@code type} that this process's configuration binds for jobs (for example
   * the built-in jobs' {@code jobs.builtins} section), already validated; empty when there are none.
   */
  default <T> Optional<T> settings(Class<T> type) {
    return Optional.empty();
  }

  /** None: for runs outside a cluster (e.g. {@code jobline run}), where jobs needing a database fail clearly. */
  JobResources NONE = new JobResources() {
    @Override
    public MongoDatabase database() {
      throw new JobException("this job needs Jobline's database, which is not available here");
    }

    @Override
    public Clock clock() {
      return Clock.systemUTC();
    }
  };
}
