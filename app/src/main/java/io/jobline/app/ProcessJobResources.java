package io.jobline.app;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoDatabase;
import io.jobline.job.JobResources;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/** What job classes get in this process: databases on Jobline's MongoDB, the clock, and the jobs' settings. */
record ProcessJobResources(MongoClient mongo, String databaseName, Clock clock, List<Object> settings)
    implements JobResources {

  @Override
  public MongoDatabase database() {
    return mongo.getDatabase(databaseName);
  }

  @Override
  public MongoDatabase database(String name) {
    return mongo.getDatabase(name);
  }

  @Override
  public <T> Optional<T> settings(Class<T> type) {
    return settings.stream().filter(type::isInstance).map(type::cast).findFirst();
  }
}
