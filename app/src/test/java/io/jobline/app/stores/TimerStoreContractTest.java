package io.jobline.app.stores;

import static io.jobline.app.stores.ContractMongo.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.jobline.store.InMemoryTimerStore;
import io.jobline.store.MongoTimerStore;
import io.jobline.store.TimerStore;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunId;
import io.jobline.wire.Trigger;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The timer store's contract, run against its in-memory twin and its Mongo implementation. */
class TimerStoreContractTest {
  private static ContractMongo mongo;

  @BeforeAll
  static void start() {
    mongo = ContractMongo.start();
  }

  @AfterAll
  static void stop() {
    mongo.close();
  }

  abstract static class TimerStoreContract {
    abstract TimerStore store();

    static TimerStore.Timer timer(String id, Instant due) {
      JobRequest r =
          JobRequest.of(
              RunId.random(ContractMongo.CLOCK),
              "job",
              Json.object(),
              "t",
              null,
              null,
              Trigger.manual(),
              T0,
              "test");
      return new TimerStore.Timer(id, due, "retry", r);
    }

    @Test
    void dueTimersComeEarliestFirstUpToTheLimitAndADeletedOneNoMore() {
      TimerStore s = store();
      s.set(timer("late", T0.plusSeconds(30)));
      s.set(timer("b", T0.minusSeconds(5)));
      s.set(timer("a", T0.minusSeconds(10)));
      s.set(timer("c", T0));
      assertThat(s.due(T0, 10)).extracting(TimerStore.Timer::id).containsExactly("a", "b", "c");
      assertThat(s.due(T0, 2)).extracting(TimerStore.Timer::id).containsExactly("a", "b");
      assertThat(s.earliest()).contains(T0.minusSeconds(10));
      s.delete("a");
      assertThat(s.due(T0, 10)).extracting(TimerStore.Timer::id).containsExactly("b", "c");
      assertThat(s.due(T0, 10).get(0).request().jobName()).isEqualTo("job");
    }

    @Test
    void aTimerIsDeletedIfDueOnlyWhileItIsTheOneSet() {
      TimerStore s = store();
      Instant mine = T0.minusSeconds(10).plusNanos(123_456_789); // (stored to the millisecond)
      s.set(timer("x", mine));
      s.set(timer("y", T0.minusSeconds(5)));
      s.deleteIfDue("y", T0.minusSeconds(6)); // set again since: stays
      s.deleteIfDue("x", mine);
      assertThat(s.due(T0, 10)).extracting(TimerStore.Timer::id).containsExactly("y");
    }

    @Test
    void aTimerIsPutOffOnlyWhileItIsTheOneSet() {
      TimerStore s = store();
      Instant mine = T0.minusSeconds(10).plusNanos(123_456_789);
      s.set(timer("x", mine));
      s.set(timer("y", T0.minusSeconds(5)));
      assertThat(s.postpone("y", T0.minusSeconds(6), T0.plusSeconds(60))).isFalse();
      assertThat(s.postpone("x", mine, T0.plusSeconds(1))).isTrue();
      assertThat(s.postpone("gone", mine, T0.plusSeconds(1))).isFalse();
      assertThat(s.due(T0, 10)).extracting(TimerStore.Timer::id).containsExactly("y");
      assertThat(s.due(T0.plusSeconds(1), 10))
          .extracting(TimerStore.Timer::id, TimerStore.Timer::dueAt)
          .containsExactly(tuple("y", T0.minusSeconds(5)), tuple("x", T0.plusSeconds(1)));
      assertThat(s.due(T0.plusSeconds(1), 10).get(1).request().jobName()).isEqualTo("job");
    }

    @Test
    void aTimerSetAsideIsNoLongerDue() {
      TimerStore s = store();
      s.set(timer("a", T0.minusSeconds(10)));
      s.set(timer("b", T0.minusSeconds(5)));
      s.setAside(s.due(T0, 1).get(0), "too large");
      assertThat(s.due(T0, 10)).extracting(TimerStore.Timer::id).containsExactly("b");
      assertThat(s.earliest()).contains(T0.minusSeconds(5));
    }

    @Test
    void aTimerSetAgainUnderItsIdMovesRatherThanDoubles() {
      TimerStore s = store();
      s.set(timer("x", T0.minusSeconds(10)));
      s.set(timer("x", T0.plusSeconds(10)));
      assertThat(s.due(T0, 10)).isEmpty();
      assertThat(s.earliest()).contains(T0.plusSeconds(10));
    }
  }

  @Nested
  class InMemoryTimerStoreAgrees extends TimerStoreContract {
    @Override
    TimerStore store() {
      return new InMemoryTimerStore();
    }
  }

  @Nested
  class MongoTimerStoreAgrees extends TimerStoreContract {
    @Override
    TimerStore store() {
      return new MongoTimerStore(mongo.freshDatabase()).ensureIndexes();
    }
  }
}
