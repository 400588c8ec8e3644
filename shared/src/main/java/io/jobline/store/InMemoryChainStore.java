package io.jobline.store;

import io.jobline.chain.Chain;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;

/** {@link ChainStore} in memory, for logic tests. */
public final class InMemoryChainStore implements ChainStore {
  private final Map<String, Declared> chains = new ConcurrentSkipListMap<>();

  @Override
  public void save(Chain chain, Source source) {
    chains.put(chain.name(), new Declared(chain, source));
  }

  @Override
  public Optional<Declared> find(String name) {
    return Optional.ofNullable(chains.get(name));
  }

  @Override
  public List<Declared> list() {
    return List.copyOf(chains.values());
  }
}
