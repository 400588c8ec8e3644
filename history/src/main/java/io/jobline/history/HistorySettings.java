package io.jobline.history;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.util.DataSize;
import io.dropwizard.util.DataSizeUnit;
import io.dropwizard.util.Duration;
import io.dropwizard.validation.MaxDuration;
import io.dropwizard.validation.MinDataSize;
import io.dropwizard.validation.MinDuration;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.util.concurrent.TimeUnit;

/** Settings of the history role (a Kafka Streams application). */
public class HistorySettings {
  @JsonProperty public String applicationId = "jobline-history";

  /** Where Streams keeps its local state; defaults to a folder under the system temp dir. */
  @JsonProperty public String stateDir;

  /**
   * Kafka Streams threads, each with its own share of the partitions: while one waits on its
   * MongoDB write and its commit, another folds (one thread spent about half its time waiting; two
   * carried 30-50 % more runs a second in {@code jobline bench}, README "Benchmark").
   */
  @Min(1)
  @JsonProperty
  public int streamThreads = 2;

  /** Log lines kept per run; later lines are dropped and the run is marked truncated. */
  @Min(1)
  @JsonProperty
  public int maxLogsPerRun = 1000;

  /** Runs written to Mongo per bulk upsert. */
  @Min(1)
  @JsonProperty
  public int batchSize = 1000;

  /**
   * No longer used: history writes MongoDB before every commit ({@link #commitInterval}). Kept so
   * that configuration files that still set it load.
   */
  @Deprecated @JsonProperty public Duration flushInterval;

  /**
   * How long input may wait while history's committed offsets stand still before its health check
   * turns red.
   */
  @NotNull @JsonProperty public Duration stallAfter = Duration.seconds(60);

  /** How soon the group gives a dead history process's partitions to the others. */
  @NotNull @JsonProperty public Duration sessionTimeout = Duration.seconds(10);

  /**
   * How often history commits (exactly-once transactions) while it is caught up; it writes MongoDB
   * before each commit. At most 5 s: a transaction stays open this long, and the broker aborts one
   * after 10 s.
   */
  @NotNull
  @MinDuration(value = 1, unit = TimeUnit.MILLISECONDS)
  @MaxDuration(value = 5, unit = TimeUnit.SECONDS)
  @JsonProperty
  public Duration commitInterval = Duration.milliseconds(100);

  /**
   * How often a task writes its runs' statistics to MongoDB, and puts them in its state store, at
   * most; meanwhile each commit notes only the runs that ended ({@link EndsJournal}). Each commit
   * wrote them before: at a steady rate of a few hundred runs a second, with a commit every 100 ms,
   * that was nearly one statistics document per run more. 0 writes them with every commit.
   */
  @NotNull
  @MaxDuration(value = 60, unit = TimeUnit.SECONDS)
  @JsonProperty
  public Duration statsInterval = Duration.seconds(1);

  /**
   * How often history commits while it is behind its input (reading records more than a second
   * old): each commit costs each partition a MongoDB write and a produce round trip, so fewer
   * commits catch up sooner. At most 5 s; never more often than {@link #commitInterval}.
   */
  @NotNull
  @MaxDuration(value = 5, unit = TimeUnit.SECONDS)
  @JsonProperty
  public Duration commitIntervalWhenBehind = Duration.seconds(1);

  /** Streams' own commit interval: the longer of the two. */
  public long streamsCommitIntervalMs() {
    return Math.max(commitInterval.toMilliseconds(), commitIntervalWhenBehind.toMilliseconds());
  }

  /**
   * How long (in record time) a run history has read the request of, and nothing else, is held back
   * before it is written queued: a run that starts within it is written once, when it ends, rather
   * than queued and again ended. While history is idle a run is held {@link #holdQueuedWhileIdle}
   * at most. 0 writes every queued run at once. In a burst the runs wait in the executors' queue
   * for seconds: with 3 s, 1.69-1.80 documents were written per run of a 100,000-job bench, with 10
   * s (and {@link #maxHeldPerTask} 10,000) 1.06, and the burst ran 10-25 % faster.
   */
  @NotNull
  @MaxDuration(value = 30, unit = TimeUnit.SECONDS)
  @JsonProperty
  public Duration holdQueued = Duration.seconds(10);

  /**
   * How long a run only requested is held back at most while history has nothing else to read (it
   * is caught up: a run not started by then waits in an executor's queue).
   */
  @NotNull
  @MaxDuration(value = 30, unit = TimeUnit.SECONDS)
  @JsonProperty
  public Duration holdQueuedWhileIdle = Duration.milliseconds(500);

  /**
   * How often at most a history task notes again which of its partition's requests it holds back
   * ({@link #holdQueued}): a task started over reads them again from the lowest offset noted up to
   * where history committed. A note older than this moment only makes it read more again; one is
   * written at once when runs are held and none is noted. Each note is one changelog record (and a
   * transaction marker): noted with every commit, they were 0.03 records per run at 2,000 runs a
   * second. At most 1 minute: a task started over reads what a note spans within 5 s.
   */
  @NotNull
  @MinDuration(value = 0, unit = TimeUnit.MILLISECONDS)
  @MaxDuration(value = 1, unit = TimeUnit.MINUTES)
  @JsonProperty
  public Duration holdNoteEvery = Duration.seconds(1);

  /**
   * How long a history task started over reads again the requests its note spans ({@link
   * #holdNoteEvery}) before it goes on with its inputs. What it has not read by then (a slow
   * broker, a long span) it reads on in slices of a tenth of this (at least 50 ms) between its
   * inputs (a stream thread's tasks 250 ms a second in all), keeping it in its note meanwhile, so a
   * crash while it reads loses none of it either. The read holds up the stream thread, and with
   * exactly-once the other tasks' open transaction (Streams gives its producers 10 s): at most 5 s.
   */
  @NotNull
  @MinDuration(value = 0, unit = TimeUnit.MILLISECONDS)
  @MaxDuration(value = 5, unit = TimeUnit.SECONDS)
  @JsonProperty
  public Duration heldReadDeadline = Duration.seconds(5);

  /**
   * How long a history task whose requests look caught up waits for more before it folds the events
   * it has (Streams' {@code max.task.idle.ms}): a run's end folded before its request is written
   * twice. At most 1 s; it adds up to this much to history's lag when requests stop coming.
   */
  @NotNull
  @MaxDuration(value = 1, unit = TimeUnit.SECONDS)
  @JsonProperty
  public Duration maxTaskIdle = Duration.milliseconds(100);

  /**
   * Memory outside the Java heap that all of history's state stores (RocksDB) of this process
   * share: one block cache of this size, to which their memtables are charged (flushed at two
   * thirds of it). Without a bound each store took its own cache and memtables, and history's grew
   * with its tasks and runs (bounding them took about 120 MB off the peak RSS of a 200,000-job
   * bench). At least 16 MiB.
   */
  @NotNull
  @MinDataSize(value = 16, unit = DataSizeUnit.MEBIBYTES)
  @JsonProperty
  public DataSize stateStoreMemory = DataSize.mebibytes(96);

  /**
   * How long (in stream time) history's state store keeps a run after the hour it was first stored;
   * a run that changes once that hour is more than half of it old moves on, so a run is kept at
   * least half of it, less an hour, after its last change ({@code RunState}). The store drops old
   * runs a segment at a time, without a tombstone per run, so its disk and its restore after a lost
   * instance stay bounded. An input that comes for a run dropped (a retry by hand weeks later)
   * reads the run back from MongoDB. At least 2 hours.
   */
  @NotNull
  @MinDuration(value = 2, unit = TimeUnit.HOURS)
  @JsonProperty
  public Duration runStateRetention = Duration.days(7);

  /**
   * Whether a run that is over is kept in the run state as a stub (its status and the sequence
   * numbers folded, about a quarter of the bytes of the whole run) rather than whole. A history of
   * a version without this setting takes a stub for the whole run: set false on the new instances
   * while instances of such a version run beside them (a rolling upgrade).
   */
  @JsonProperty public boolean overRunsAsStubs = true;

  /** Runs held back at most per history task; the oldest are written when more come. */
  @Min(1)
  @JsonProperty
  public int maxHeldPerTask = 10_000;

  /**
   * The runs a history task keeps in memory at most, as the Java heap holds them (an estimate of
   * their params and all their text: {@link JsonWeight#ofRun}), for the runs it holds back and, as
   * much again, for its copies of runs let go ({@link #letGoCopies}). Past it the oldest held run
   * is written and no more copies are kept: a count alone let a burst of runs with large params
   * fill the heap.
   */
  @NotNull
  @MinDataSize(value = 0, unit = DataSizeUnit.BYTES)
  @JsonProperty
  public DataSize maxHeldBytesPerTask = DataSize.mebibytes(6);

  /**
   * The records Kafka Streams reads ahead at most per input partition before it stops fetching that
   * partition (its {@code buffered.records.per.partition}). Streams' default, 1,000, is 24,000
   * records for the default 12 request and 12 event partitions: 1.4 GB of 60 KB requests, where a
   * 20,000-run burst of them held 5,600 (330 MB) at once. 30 carried a 100,000-job bench as fast
   * (4,937-6,122 jobs/s against 4,848-6,088 with 1,000) and, at 3,000 jobs/s, lowered history's lag
   * p99 to 470-539 ms (554-1,026 with 100, 636-939 with 1,000).
   */
  @Min(1)
  @JsonProperty
  public int bufferedRecordsPerPartition = 30;

  /**
   * Runs let go from the hold that a history task keeps a copy of, as written, for their next input
   * to fold onto instead of reading them back from MongoDB: about 1 KB each beside its params. 0
   * keeps none (every such run is read back).
   */
  @Min(0)
  @JsonProperty
  public int letGoCopies = 4096;
}
