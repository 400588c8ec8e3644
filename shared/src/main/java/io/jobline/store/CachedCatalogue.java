package io.jobline.store;

import io.jobline.job.JobDescriptor;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A catalogue whose entries, once read, are answered from memory for {@code fresh}: the api reads a
 * job's entry for every run it is asked for, and that read was a MongoDB round trip on the
 * request's path (a JFR profile of {@code POST /jobs/run/noop} under load had it at 116 of the 145
 * samples of the resource). A job not found is read again every time (a job an executor has just
 * published is found at once, and names nobody registered take no memory), and {@link #list} always
 * reads the store. An entry changed by a new executor's publish shows within {@code fresh}.
 */
public final class CachedCatalogue implements CatalogueStore {
  private record Entry(JobDescriptor job, long readAtMillis) {}

  private final CatalogueStore store;
  private final Clock clock;
  private final long freshMillis;
  private final Map<String, Entry> read = new ConcurrentHashMap<>();

  public CachedCatalogue(CatalogueStore store, Clock clock, Duration fresh) {
    this.store = store;
    this.clock = clock;
    this.freshMillis = fresh.toMillis();
  }

  @Override
  public void publish(List<JobDescriptor> descriptors, String executorId) {
    store.publish(descriptors, executorId);
    read.clear();
  }

  @Override
  public List<JobDescriptor> list() {
    return store.list();
  }

  @Override
  public Optional<JobDescriptor> find(String name) {
    long now = clock.millis();
    Entry entry = read.get(name);
    // (a clock gone back counts as stale too)
    if (entry != null && now >= entry.readAtMillis() && now - entry.readAtMillis() < freshMillis) {
      return Optional.of(entry.job());
    }
    Optional<JobDescriptor> found = store.find(name);
    if (found.isPresent()) {
      read.put(name, new Entry(found.get(), now));
    } else {
      read.remove(name);
    }
    return found;
  }
}
