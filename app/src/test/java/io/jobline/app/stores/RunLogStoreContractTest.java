package io.jobline.app.stores;

import static io.jobline.app.stores.ContractMongo.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.jobline.run.LogEntry;
import io.jobline.store.InMemoryRunLogStore;
import io.jobline.store.MongoRunLogStore;
import io.jobline.store.RunLogStore;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The run-log store's contract, run against its in-memory twin and its Mongo implementation. */
class RunLogStoreContractTest {
  private static ContractMongo mongo;

  @BeforeAll
  static void start() {
    mongo = ContractMongo.start();
  }

  @AfterAll
  static void stop() {
    mongo.close();
  }

  abstract static class RunLogStoreContract {
    abstract RunLogStore store();

    static RunLogStore.Line line(String run, int i) {
      return new RunLogStore.Line(
          run, i, new LogEntry(T0.plusSeconds(i), "info", "line " + i, i), false);
    }

    @Test
    void pagesComeInTheOrderTheLinesWereLoggedFromTheOffsetAskedAndRewritingALineKeepsOneCopy() {
      RunLogStore s = store();
      List<RunLogStore.Line> lines = new ArrayList<>();
      for (int i = 12; i >= 0; i--) {
        lines.add(line("run-a", i));
      }
      lines.add(line("run-ab", 0)); // a run whose id starts like the other's
      s.putAll(lines);
      s.putAll(List.of(line("run-a", 3)));
      assertThat(s.count("run-a")).isEqualTo(13);
      assertThat(s.page("run-a", 0, 5))
          .extracting(RunLogStore.Line::index)
          .containsExactly(0, 1, 2, 3, 4);
      assertThat(s.page("run-a", 9, 100))
          .extracting(RunLogStore.Line::index)
          .containsExactly(9, 10, 11, 12);
      assertThat(s.page("run-a", 2, 1).get(0).entry()).isEqualTo(line("run-a", 2).entry());
      assertThat(s.page("run-ab", 0, 10)).hasSize(1);
      assertThat(s.count("nobody")).isZero();
    }

    @Test
    void aRunsLinesAreItsOwnWhenAnotherRunsIdStartsWithItsIdAndAColon() {
      // found by review: run a's range of ids held run a:2026-03:acme's lines, another tenant's
      RunLogStore s = store();
      s.putAll(List.of(line("a", 0), line("a", 1), line("a:2026-03:acme", 0)));
      s.putAll(List.of(line("a:2026-03:acme", 1), line("a:0000001", 0)));
      assertThat(s.count("a")).isEqualTo(2);
      assertThat(s.page("a", 0, 10))
          .extracting(RunLogStore.Line::runId, RunLogStore.Line::index)
          .containsExactly(tuple("a", 0), tuple("a", 1));
      assertThat(s.page("a", 1, 10)).extracting(RunLogStore.Line::index).containsExactly(1);
      assertThat(s.count("a:2026-03:acme")).isEqualTo(2);
      assertThat(s.page("a:0000001", 0, 10))
          .extracting(RunLogStore.Line::runId)
          .containsExactly("a:0000001");
    }
  }

  @Nested
  class InMemoryRunLogStoreAgrees extends RunLogStoreContract {
    @Override
    RunLogStore store() {
      return new InMemoryRunLogStore();
    }
  }

  @Nested
  class MongoRunLogStoreAgrees extends RunLogStoreContract {
    @Override
    RunLogStore store() {
      return new MongoRunLogStore(mongo.freshDatabase()).ensureIndexes();
    }
  }
}
