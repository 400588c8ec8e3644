package io.jobline.store;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/** {@link RunLogStore} in memory, for logic tests. */
public final class InMemoryRunLogStore implements RunLogStore {
  private final Map<String, Line> lines = new ConcurrentSkipListMap<>();

  private static String id(String runId, int index) {
    return runId + ":" + String.format("%07d", index);
  }

  @Override
  public void putAll(List<Line> batch) {
    batch.forEach(l -> lines.put(id(l.runId(), l.index()), l));
  }

  @Override
  public List<Line> page(String runId, int offset, int limit) {
    return lines.values().stream()
        .filter(l -> l.runId().equals(runId) && l.index() >= offset)
        .limit(limit)
        .toList();
  }

  @Override
  public long count(String runId) {
    return lines.values().stream().filter(l -> l.runId().equals(runId)).count();
  }
}
