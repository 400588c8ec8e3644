package io.jobline.app;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoDatabase;
import io.jobline.job.JobResources;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What job classes get in this process: databases on Jobline's MongoDB (its client asked for when a
 * job first wants one), the clock, and the jobs' settings.
 */
record ProcessJobResources(
    Supplier<MongoClient> mongo, String databaseName, Clock clock, List<Object> settings)
    implements JobResources {

  /** Offers Jobline's MongoDB database, or another on the same deployment by name. */
  @Override
  public <T> T resource(Class<T> type) {
    return resource(type, databaseName);
  }

  @Override
  public <T> T resource(Class<T> type, String name) {
    if (type != MongoDatabase.class) {
      return JobResources.super.resource(type, name);
    }
    return type.cast(mongo.get().getDatabase(name));
  }

  @Override
  public <T> Optional<T> settings(Class<T> type) {
    return settings.stream().filter(type::isInstance).map(type::cast).findFirst();
  }
}
