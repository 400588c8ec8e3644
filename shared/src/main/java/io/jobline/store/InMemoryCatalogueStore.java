package io.jobline.store;

import io.jobline.job.JobDescriptor;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;

/** {@link CatalogueStore} in memory, for logic tests; safe to use from several threads. */
public final class InMemoryCatalogueStore implements CatalogueStore {
  private final Map<String, JobDescriptor> jobs = new ConcurrentSkipListMap<>();

  @Override
  public void publish(List<JobDescriptor> descriptors, String executorId) {
    descriptors.forEach(job -> jobs.put(job.name(), job));
  }

  @Override
  public List<JobDescriptor> list() {
    return List.copyOf(jobs.values());
  }

  @Override
  public Optional<JobDescriptor> find(String name) {
    return Optional.ofNullable(jobs.get(name));
  }
}
