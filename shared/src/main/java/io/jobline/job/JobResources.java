package io.jobline.job;

import com.mongodb.client.MongoDatabase;
import java.time.Clock;

/**
 * What the executor can hand to a job class: give it a public constructor taking
 * {@code JobResources} instead of a no-argument one.
 */
public interface JobResources {
  /** Jobline's own database (schedules, runs, timers). */
  MongoDatabase database();

  /** The clock the executor runs on. */
  Clock clock();

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
