package io.jobline.app.stores;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.job.JobDescriptor;
import io.jobline.store.CachedCatalogue;
import io.jobline.store.CatalogueStore;
import io.jobline.store.InMemoryCatalogueStore;
import io.jobline.testkit.SettableClock;
import io.jobline.wire.Scope;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CachedCatalogueTest {
  /** The store the cache reads, which counts its reads; others publish to it directly. */
  private final InMemoryCatalogueStore shared = new InMemoryCatalogueStore();

  private final AtomicInteger reads = new AtomicInteger();
  private final CatalogueStore counted =
      new CatalogueStore() {
        @Override
        public void publish(List<JobDescriptor> descriptors, String executorId) {
          shared.publish(descriptors, executorId);
        }

        @Override
        public List<JobDescriptor> list() {
          return shared.list();
        }

        @Override
        public Optional<JobDescriptor> find(String name) {
          reads.incrementAndGet();
          return shared.find(name);
        }
      };
  private final SettableClock clock = new SettableClock(Instant.parse("2026-12-07T08:00:00Z"));
  private final CachedCatalogue cache = new CachedCatalogue(counted, clock, Duration.ofSeconds(1));

  private static JobDescriptor job(String name, int timeoutSeconds) {
    return new JobDescriptor(name, "", timeoutSeconds, 0, Scope.SYSTEM, false, 0, null);
  }

  @Test
  void aJobReadIsAnsweredFromMemoryUntilItIsNoLongerFreshThenReadAgain() {
    shared.publish(List.of(job("settle", 60)), "executor-1");
    assertThat(cache.find("settle")).contains(job("settle", 60));
    clock.advance(Duration.ofMillis(999));
    assertThat(cache.find("settle")).contains(job("settle", 60));
    assertThat(reads).hasValue(1);

    // another executor publishes a new version: shown once the entry read is a second old
    shared.publish(List.of(job("settle", 120)), "executor-2");
    assertThat(cache.find("settle")).contains(job("settle", 60));
    clock.advance(Duration.ofMillis(1));
    assertThat(cache.find("settle")).contains(job("settle", 120));
    assertThat(reads).hasValue(2);
  }

  @Test
  void aJobNotFoundIsReadAgainEachTimeSoOneJustPublishedIsFoundAtOnce() {
    assertThat(cache.find("new-job")).isEmpty();
    assertThat(cache.find("new-job")).isEmpty();
    shared.publish(List.of(job("new-job", 60)), "executor-1");
    assertThat(cache.find("new-job")).contains(job("new-job", 60));
    assertThat(reads).hasValue(3);
  }

  @Test
  void publishingThroughItDropsWhatItReadAndAClockGoneBackReadsAgain() {
    shared.publish(List.of(job("settle", 60)), "executor-1");
    cache.find("settle");
    cache.publish(List.of(job("settle", 90)), "executor-2");
    assertThat(cache.find("settle")).contains(job("settle", 90));
    assertThat(reads).hasValue(2);

    clock.advance(Duration.ofSeconds(-30));
    cache.find("settle");
    assertThat(reads).hasValue(3);
  }
}
