package io.jobline.app;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoDatabase;
import io.jobline.job.JobResources;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * What job classes get in this process: databases on Jobline's MongoDB (its client asked for when a
 * job first wants one), the clock, and the jobs' settings.
 */
record ProcessJobResources(java.util.function.Supplier<MongoClient> mongo, String databaseName, Clock clock,
    List<Object> settings) implements JobResources {

  @Override
  public MongoDatabase database() {
    return mongo.get().getDatabase(databaseName);
  }

  @Override
  public MongoDatabase database(String name) {
    return mongo.get().getDatabase(name);
  }

  @Override
  public <T> Optional<T> settings(Class<T> type) {
    return settings.stream().filter(type::isInstance).map(type::cast).findFirst();
  }
}
