package io.jobline.store;

import io.jobline.job.JobDescriptor;
import java.util.List;
import java.util.Optional;

/**
 * The job catalogue ({@code job_catalogue}, one entry per job name): executors publish the jobs
 * they can run, the API reads it to accept or refuse run requests.
 */
public interface CatalogueStore {
  /** Creates or replaces the entry of each job by its name, as published by {@code executorId}. */
  void publish(List<JobDescriptor> descriptors, String executorId);

  /** Every job, by name. */
  List<JobDescriptor> list();

  Optional<JobDescriptor> find(String name);
}
