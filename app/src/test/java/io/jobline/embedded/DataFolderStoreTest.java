package io.jobline.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.DeleteOneModel;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.UpdateOneModel;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.bson.Document;
import org.h2.mvstore.DataUtils;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.MVStoreException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data folder's store: a write is in the file when it is acknowledged, so a process killed
 * right after keeps it; a store that H2 gives up on (a "panic": its writer failed) is reported once
 * with H2's cause, closes without waiting on H2, and by default stops its process with {@link
 * EmbeddedMongo#STORE_FAILED_EXIT}; started again on the same file, it has what was acknowledged.
 */
class DataFolderStoreTest {
  @TempDir Path dir;

  /** What H2 throws when its writer fails: here made to happen on demand. */
  static MVStoreException injected() {
    return DataUtils.newMVStoreException(DataUtils.ERROR_INTERNAL, "injected writer failure");
  }

  /**
   * H2 commits on its own too (once a second; when a write leaves much unsaved) and writes those
   * commits on its own threads without waiting. A write whose change such a commit took finds
   * nothing left to commit: it must still wait until that commit is in the file.
   */
  @Test
  void aCommitFindingItsChangesTakenByH2sOwnCommitWaitsUntilThatIsInTheFile() throws Exception {
    Path file = dir.resolve("own.h2");
    // H2 commits on its own after the writes below only when told to (tryCommit): that commit
    // takes every change, and ours finds nothing left unsaved
    MVStore store =
        new MVStore.Builder().fileName(file.toString()).autoCommitBufferSize(1 << 20).open();
    try {
      MVMap<Integer, byte[]> map = store.openMap("pages");
      store.commit();
      Random random = new Random(14);
      int bytes = 32 << 20; // random, so H2 writes all of it: tens of milliseconds of writing
      for (int i = 0; i < bytes / 16_384; i++) {
        byte[] page = new byte[16_384];
        random.nextBytes(page);
        map.put(i, page);
      }
      assertThat(store.tryCommit()).as("H2's own commit, written in the background").isPositive();

      CompactH2Backend.commitToFile(store);

      assertThat(Files.size(file)).as("the file, once the commit returned").isGreaterThan(bytes);
      assertThat(store.hasUnsavedChanges()).isFalse();
    } finally {
      store.close();
    }
  }

  @Test
  void everyKindOfWriteIsInTheFileWhenItIsAcknowledged() {
    EmbeddedMongo mongo = EmbeddedMongo.start(dir.resolve("store.h2"), 0, e -> {});
    try (MongoClient client = MongoClients.create(mongo.uri())) {
      MongoCollection<Document> runs = client.getDatabase("jobline").getCollection("runs");
      List<Runnable> writes =
          List.of(
              () -> runs.insertOne(new Document("_id", "run-1").append("status", "queued")),
              () ->
                  runs.insertMany(
                      List.of(new Document("_id", "run-2"), new Document("_id", "run-3"))),
              () -> runs.updateOne(Filters.eq("_id", "run-1"), Updates.set("status", "done")),
              () ->
                  runs.bulkWrite(
                      List.of(
                          new UpdateOneModel<>(
                              Filters.eq("_id", "run-4"),
                              Updates.set("status", "queued"),
                              new UpdateOptions().upsert(true)),
                          new DeleteOneModel<>(Filters.eq("_id", "run-2")))),
              () ->
                  runs.findOneAndUpdate(Filters.eq("_id", "run-3"), Updates.set("status", "done")),
              () -> runs.deleteOne(Filters.eq("_id", "run-3")),
              () -> runs.createIndex(Indexes.ascending("status")));
      // (an aggregation that writes, found by review acknowledged before it was in the file, is
      // refused now: HostileRequestsTest)
      for (int i = 0; i < writes.size(); i++) {
        writes.get(i).run();
        assertThat(mongo.h2Store().hasUnsavedChanges())
            .as("write %d left changes only in memory", i)
            .isFalse();
      }
    } finally {
      mongo.close();
    }
  }

  @Test
  void aProcessKilledRightAfterAnAcknowledgedWriteKeepsIt() throws Exception {
    Path file = dir.resolve("mongo").resolve("jobline.h2");
    Process process = storeProcess(file, "kill");
    String output = stopped(process, "kill");
    assertThat(output).contains(StoreProcessMain.WRITTEN);
    assertThat(process.exitValue()).as(output).isEqualTo(StoreProcessMain.KILLED);
    assertThat(storedRun(file)).isEqualTo(new Document("_id", "run-1").append("status", "done"));
  }

  @Test
  void aFailedStoreIsReportedOnceWithItsCauseAndClosesWithoutWaiting() {
    CompletableFuture<Throwable> told = new CompletableFuture<>();
    EmbeddedMongo mongo =
        EmbeddedMongo.start(
            dir.resolve("store.h2"),
            0,
            e -> {
              if (!told.complete(e)) {
                throw new AssertionError("told twice");
              }
            });
    try (MongoClient client = MongoClients.create(mongo.uri())) {
      client.getDatabase("jobline").getCollection("runs").insertOne(new Document("_id", "run-1"));
    }
    assertThat(mongo.failure()).isEmpty();

    assertThatThrownBy(() -> mongo.h2Store().panic(injected())).hasMessageContaining("injected");

    Throwable cause = told.orTimeout(10, TimeUnit.SECONDS).join();
    assertThat(cause).hasMessageContaining("injected writer failure");
    assertThat(mongo.failure()).containsSame(cause);
    assertTimeoutPreemptively(Duration.ofSeconds(20), mongo::close);
  }

  @Test
  void aStoreClosedAsItShouldBeIsNotAFailure() {
    CompletableFuture<Throwable> told = new CompletableFuture<>();
    EmbeddedMongo mongo = EmbeddedMongo.start(dir.resolve("store.h2"), 0, told::complete);
    mongo.close();
    assertThat(mongo.failure()).isEmpty();
    // the watcher ends with the store, having told nothing
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                Thread.getAllStackTraces().keySet().stream()
                    .noneMatch(t -> t.getName().equals("jobline-store-watch")));
    assertThat(told).isNotDone();
    EmbeddedMongo memory = EmbeddedMongo.start(null, 0, told::complete);
    assertThat(memory.failure()).isEmpty();
    memory.close();
  }

  @Test
  void byDefaultAFailedStoreStopsItsProcessNamingTheCauseAndKeepsWhatWasAcknowledged()
      throws Exception {
    Path file = dir.resolve("mongo").resolve("jobline.h2");
    Process process = storeProcess(file, "fail");
    String output = stopped(process, "fail");
    assertThat(output).contains(StoreProcessMain.WRITTEN);
    assertThat(process.exitValue()).as(output).isEqualTo(EmbeddedMongo.STORE_FAILED_EXIT);
    assertThat(output)
        .contains("the data folder's store failed and H2 closed it")
        .contains("injected writer failure");
    assertThat(storedRun(file)).isEqualTo(new Document("_id", "run-1").append("status", "done"));
  }

  private Process storeProcess(Path file, String mode) throws Exception {
    return new ProcessBuilder(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-cp",
                System.getProperty("java.class.path"),
                StoreProcessMain.class.getName(),
                file.toString(),
                mode))
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve(mode + ".out").toFile())
        .start();
  }

  /** What the process printed, once it has stopped of itself. */
  private String stopped(Process process, String mode) throws Exception {
    try {
      assertThat(process.waitFor(90, TimeUnit.SECONDS)).as("the process stopped").isTrue();
      return Files.readString(dir.resolve(mode + ".out"));
    } finally {
      process.destroyForcibly();
    }
  }

  /** The run the process wrote, as the store started again on its file has it. */
  private static Document storedRun(Path file) {
    EmbeddedMongo again = EmbeddedMongo.start(file, 0);
    try (MongoClient client = MongoClients.create(again.uri())) {
      return client
          .getDatabase("jobline")
          .getCollection("runs")
          .find(Filters.eq("_id", "run-1"))
          .first();
    } finally {
      again.close();
    }
  }

  /**
   * A process with a data-folder store that writes a run, is told so, and then is killed ({@code
   * kill}: halted, as {@code kill -9} would) or has its store fail ({@code fail}).
   */
  public static final class StoreProcessMain {
    static final String WRITTEN = "the run was written";
    static final int KILLED = 137;

    public static void main(String[] args) throws Exception {
      Path file = Path.of(args[0]);
      Files.createDirectories(file.getParent());
      EmbeddedMongo mongo = EmbeddedMongo.start(file, 0);
      try (MongoClient client = MongoClients.create(mongo.uri())) {
        MongoCollection<Document> runs = client.getDatabase("jobline").getCollection("runs");
        runs.insertOne(new Document("_id", "run-1").append("status", "queued"));
        runs.updateOne(Filters.eq("_id", "run-1"), Updates.set("status", "done"));
      }
      System.out.println(WRITTEN);
      System.out.flush();
      if (args[1].equals("kill")) {
        Runtime.getRuntime().halt(KILLED); // nothing more runs: no hook, no store closing
      }
      try {
        mongo.h2Store().panic(injected());
      } catch (MVStoreException expected) {
        // as H2's writer would: the store is given up on
      }
      // left running until the watcher stops the process: only the test's end (closing this
      // process's input, or killing it) gets here, and then with exit code 0
      System.in.read();
      System.exit(0);
    }
  }

  @Test
  void aStoreFileThatCannotBeOpenedIsNamedNotTakenForAPortInUse() throws Exception {
    // found by review: every failure to open the file was reported as "is the port in use?"
    Path file = dir.resolve("damaged").resolve("jobline.h2");
    Files.createDirectories(file.getParent());
    byte[] garbage = new byte[64 * 1024];
    new Random(7).nextBytes(garbage);
    Files.write(file, garbage);

    assertThatThrownBy(() -> EmbeddedMongo.start(file, 0, failed -> {}))
        .isInstanceOf(EmbeddedInfraException.class)
        .hasMessageContaining("the store file " + file.toAbsolutePath() + " could not be opened")
        .hasMessageContaining("move the file aside")
        .hasMessageNotContaining("port");
  }
}
