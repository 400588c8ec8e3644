package io.jobline.store;

import io.jobline.chain.Chain;
import java.util.List;
import java.util.Optional;

/** Chain definitions ({@code job_chains}, one per name): declared in code or posted to the API. */
public interface ChainStore {
  /** Where a definition came from. */
  enum Source {
    CODE,
    API
  }

  /** A stored definition and where it came from. */
  record Declared(Chain chain, Source source) {}

  /** Creates or replaces the chain of that name. */
  void save(Chain chain, Source source);

  Optional<Declared> find(String name);

  /** Every chain, by name. */
  List<Declared> list();
}
