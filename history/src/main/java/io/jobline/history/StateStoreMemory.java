package io.jobline.history;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

/**
 * Bounds the memory outside the Java heap that history's state stores (RocksDB) use, whatever the
 * number of tasks: every store of the process shares one block cache of {@code
 * history.stateStoreMemory}, and their memtables are charged to it: a store being written flushes
 * once all of them hold two thirds of it, so together they stay near the budget. Streams' defaults
 * give each store its own 50 MB cache and up to three 16 MB memtables: with three stores per task
 * and twelve tasks, bounding them took about 120 MB off the peak RSS of a 200,000-job bench, and
 * unbounded they would grow further with more partitions.
 *
 * <p>The budget is per process and per size: the cache lives as long as the JVM (a store may still
 * use it while another closes), so it is made once for each size asked for and never closed.
 */
public final class StateStoreMemory implements RocksDBConfigSetter {
  /** The Streams config key that carries {@code history.stateStoreMemory} in bytes. */
  public static final String BYTES_CONFIG = "jobline.history.state.store.memory.bytes";

  /** Cache shards: 2^4, Streams' store count per process is in the tens. */
  private static final int SHARD_BITS = 4;

  /** The cache's share kept for index and filter blocks, so that data blocks cannot evict them. */
  private static final double HIGH_PRIORITY_SHARE = 0.1;

  private static final Map<Long, Budget> BUDGETS = new ConcurrentHashMap<>();

  /** One process's shared cache and the memtable limit charged to it. */
  record Budget(Cache cache, WriteBufferManager memtables) {
    static Budget of(long bytes) {
      Cache cache = new LRUCache(bytes, SHARD_BITS, false, HIGH_PRIORITY_SHARE);
      return new Budget(cache, new WriteBufferManager(bytes * 2 / 3, cache));
    }
  }

  /** The budget of this size, made on first use. */
  static Budget budget(long bytes) {
    return BUDGETS.computeIfAbsent(bytes, Budget::of);
  }

  @Override
  public void setConfig(String storeName, Options options, Map<String, Object> configs) {
    Object bytes = configs.get(BYTES_CONFIG);
    if (bytes == null) {
      throw new IllegalArgumentException(
          BYTES_CONFIG + " is not set: history passes history.stateStoreMemory in it");
    }
    Budget budget = budget(Long.parseLong(bytes.toString()));
    BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
    table.setBlockCache(budget.cache());
    // index and filter blocks in the shared cache too (else they sit outside any bound), the top
    // level of each pinned and all kept before data blocks
    table.setCacheIndexAndFilterBlocks(true);
    table.setCacheIndexAndFilterBlocksWithHighPriority(true);
    table.setPinTopLevelIndexAndFilter(true);
    options.setTableFormatConfig(table);
    options.setWriteBufferManager(budget.memtables());
  }

  @Override
  public void close(String storeName, Options options) {
    // the budget outlives every store: nothing of it is this store's to close
  }
}
