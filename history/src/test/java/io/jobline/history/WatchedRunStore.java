package io.jobline.history;

import io.jobline.run.RunRecord;
import io.jobline.store.RunStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.function.Consumer;

/** A run store that shows each batch to a test before the store under it writes it. */
final class WatchedRunStore {
  private WatchedRunStore() {}

  /**
   * {@code store}, with {@code beforeWrite} seeing each batch of {@code upsertAll} first: it may
   * note the batch, or throw as a refusing or unavailable store does.
   */
  static RunStore of(RunStore store, Consumer<List<RunRecord>> beforeWrite) {
    return (RunStore)
        Proxy.newProxyInstance(
            WatchedRunStore.class.getClassLoader(),
            new Class<?>[] {RunStore.class},
            (p, m, args) -> {
              if (m.getName().equals("upsertAll")) {
                @SuppressWarnings("unchecked")
                List<RunRecord> batch = (List<RunRecord>) args[0];
                beforeWrite.accept(batch);
              }
              try {
                return m.invoke(store, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }
}
