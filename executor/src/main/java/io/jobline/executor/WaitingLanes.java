package io.jobline.executor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The requests waiting to start, the main lane's apart from the overflow lane's (each pass of the
 * dispatcher reads its own), and how many copies of each run attempt wait in either: asked for
 * every request about to move aside and every record refused, so a count, not a look through
 * thousands. Not thread-safe: the dispatcher's lock guards it.
 */
final class WaitingLanes {
  private final Deque<Pending> main = new ArrayDeque<>();
  private final Deque<Pending> overflow = new ArrayDeque<>();
  private final Map<String, Integer> copies = new HashMap<>();
  private final Map<String, Integer> copiesInMain = new HashMap<>();

  /** Queues {@code p} last in its lane, or first (a run held back, started again first). */
  void add(Pending p, boolean first) {
    Deque<Pending> lane = Lanes.isOverflow(p.partition()) ? overflow : main;
    if (first) {
      lane.addFirst(p);
    } else {
      lane.addLast(p);
    }
    copies.merge(p.claimKey(), 1, Integer::sum);
    if (lane == main) {
      copiesInMain.merge(p.claimKey(), 1, Integer::sum);
    }
  }

  /** How many requests of the run attempt {@code claimKey} wait, in both lanes. */
  int copies(String claimKey) {
    return claimKey == null ? 0 : copies.getOrDefault(claimKey, 0);
  }

  /** How many requests of the run attempt {@code claimKey} wait in the main lane. */
  int copiesInMain(String claimKey) {
    return claimKey == null ? 0 : copiesInMain.getOrDefault(claimKey, 0);
  }

  /** A lane's requests in order, to read. */
  Collection<Pending> lane(boolean overflowLane) {
    return Collections.unmodifiableCollection(overflowLane ? overflow : main);
  }

  /** A lane's requests in order; its {@code remove} takes the request out of the counts too. */
  Iterator<Pending> iterator(boolean overflowLane) {
    Iterator<Pending> it = (overflowLane ? overflow : main).iterator();
    return new Iterator<>() {
      private Pending last;

      @Override
      public boolean hasNext() {
        return it.hasNext();
      }

      @Override
      public Pending next() {
        last = it.next();
        return last;
      }

      @Override
      public void remove() {
        it.remove();
        uncount(last);
      }
    };
  }

  /**
   * Takes out the requests {@code which} selects, in both lanes, and gives them. (Uncounted once
   * taken: a predicate that throws leaves lanes and counts as they were.)
   */
  List<Pending> removeIf(Predicate<Pending> which) {
    List<Pending> out = new ArrayList<>();
    for (Deque<Pending> lane : List.of(main, overflow)) {
      lane.removeIf(
          p -> {
            if (!which.test(p)) {
              return false;
            }
            out.add(p);
            return true;
          });
    }
    out.forEach(this::uncount);
    return out;
  }

  private void uncount(Pending p) {
    copies.computeIfPresent(p.claimKey(), (k, n) -> n == 1 ? null : n - 1);
    if (!Lanes.isOverflow(p.partition())) {
      copiesInMain.computeIfPresent(p.claimKey(), (k, n) -> n == 1 ? null : n - 1);
    }
  }
}
