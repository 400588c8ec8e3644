package io.jobline.embedded;

import de.bwaldvogel.mongo.MongoBackend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.h2.mvstore.MVStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Mongo-wire store in this JVM (mongo-java-server): persistent in an H2 file, or in memory. Real
 * MongoDB replaces it in production; Jobline's code does not rely on its quirks.
 *
 * <p>A data folder's store that fails for good (H2 "panics": its writer failed, and it closes the
 * store) stops the process with exit code {@value #STORE_FAILED_EXIT}, naming the cause, instead of
 * leaving every request to the store waiting: once H2 has panicked nothing in this process writes
 * to the file again, and a clean stop would wait on H2 as well. Started again, the store opens its
 * file at the last chunk H2 wrote, as after a {@code kill -9}.
 */
public final class EmbeddedMongo implements AutoCloseable {
  /** The exit code of a process whose data-folder store failed for good (EX_SOFTWARE). */
  public static final int STORE_FAILED_EXIT = 70;

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedMongo.class);

  /** How often the data folder's store is checked for a failure. */
  private static final Duration WATCH = Duration.ofMillis(500);

  /** How long closing a failed store may take before it is left to the process's end. */
  private static final Duration CLOSE_FAILED = Duration.ofSeconds(5);

  /** How often the cursors left idle are looked for ({@link CursorExpiry}). */
  private static final Duration SWEEP_CURSORS = Duration.ofMinutes(1);

  private final GuardedMongoServer server;
  private final String backendName;
  private final int port;
  private final MVStore h2;
  private final CursorExpiry cursors;
  private final ScheduledExecutorService sweeper;

  private EmbeddedMongo(
      GuardedMongoServer server, String backendName, int port, MVStore h2, CursorExpiry cursors) {
    this.server = server;
    this.backendName = backendName;
    this.port = port;
    this.h2 = h2;
    this.cursors = cursors;
    this.sweeper =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "jobline-store-cursors");
              t.setDaemon(true);
              return t;
            });
    sweeper.scheduleWithFixedDelay(
        this::sweepCursors,
        SWEEP_CURSORS.toMillis(),
        SWEEP_CURSORS.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /** Closes the cursors no client has read for {@link CursorExpiry#IDLE}. */
  int sweepCursors() {
    try {
      int closed = cursors.sweep();
      if (closed > 0) {
        LOG.info(
            "Closed {} cursor(s) of the store no client had read for {} min",
            closed,
            CursorExpiry.IDLE.toMinutes());
      }
      return closed;
    } catch (RuntimeException e) {
      LOG.warn("Could not look for the store's idle cursors", e);
      return 0;
    }
  }

  /**
   * Starts the store on {@code port} (0 picks a free one); a data folder's store that fails for
   * good stops the process ({@link #STORE_FAILED_EXIT}).
   *
   * @param file the H2 file to keep data in, or {@code null} for memory only
   */
  public static EmbeddedMongo start(Path file, int port) {
    return start(file, port, EmbeddedMongo::stopTheProcess);
  }

  /**
   * Starts the store on {@code port} (0 picks a free one).
   *
   * @param file the H2 file to keep data in, or {@code null} for memory only
   * @param onFailure told once, with H2's exception, when the data folder's store fails for good
   */
  static EmbeddedMongo start(Path file, int port, Consumer<Throwable> onFailure) {
    int p = port == 0 ? EmbeddedKafka.freePort() : port;
    MongoBackend backend;
    String name;
    MVStore h2 = null;
    try {
      CursorExpiry cursors;
      if (file == null) {
        CompactMemoryBackend memory = new CompactMemoryBackend();
        cursors = memory.cursors;
        backend = memory;
        name = "memory";
      } else {
        Files.createDirectories(file.toAbsolutePath().getParent());
        CompactH2Backend compact;
        try {
          compact = new CompactH2Backend(file.toAbsolutePath().toString());
        } catch (RuntimeException unreadable) {
          // (found by review: this was reported as a port in use)
          throw new EmbeddedInfraException(
              "the store file "
                  + file.toAbsolutePath()
                  + " could not be opened: "
                  + unreadable.getMessage()
                  + " (held by another process, or damaged: stop the other one, or move the file"
                  + " aside, restore it from a copy, or start without it)",
              unreadable);
        }
        h2 = compact.getMvStore();
        cursors = compact.cursors;
        backend = compact;
        name = "h2 (" + file.toAbsolutePath() + ")";
      }
      GuardedMongoServer server = new GuardedMongoServer(backend);
      server.bind("localhost", p);
      EmbeddedMongo mongo = new EmbeddedMongo(server, name, p, h2, cursors);
      if (h2 != null) {
        mongo.watch(onFailure);
      }
      return mongo;
    } catch (EmbeddedInfraException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw new EmbeddedInfraException(
          "the Mongo-wire store could not start on port "
              + p
              + ": "
              + e.getMessage()
              + " (is the port in use? pick another with --mongo-port)",
          e);
    }
  }

  /** Messages the store refused unread since it started: their lengths did not hold. */
  public long refusedMessages() {
    return server.refusedMessages();
  }

  public String uri() {
    return "mongodb://localhost:" + port;
  }

  /** "memory" or "h2 (path)": which backend keeps the data. */
  public String backend() {
    return backendName;
  }

  /** What made the data folder's store fail for good, if it has. */
  public Optional<Throwable> failure() {
    return h2 == null ? Optional.empty() : Optional.ofNullable(h2.getPanicException());
  }

  /** The data folder's store (for tests), or null in memory. */
  MVStore h2Store() {
    return h2;
  }

  /**
   * Checks the store for a failure on a daemon thread of its own, ending when the store closes. H2
   * tells its handler of more than failures (a housekeeping error it goes on from), so the check is
   * for the failure it keeps: the panic.
   */
  private void watch(Consumer<Throwable> onFailure) {
    Thread watcher =
        new Thread(
            () -> {
              try {
                while (true) {
                  Throwable failed = h2.getPanicException();
                  if (failed != null) {
                    onFailure.accept(failed);
                    return;
                  }
                  if (h2.isClosed()) {
                    return; // closed as it should be
                  }
                  Thread.sleep(WATCH.toMillis());
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "jobline-store-watch");
    watcher.setDaemon(true);
    watcher.start();
  }

  private static void stopTheProcess(Throwable failed) {
    String message =
        "jobline: the data folder's store failed and H2 closed it ("
            + failed
            + "); stopping with exit code "
            + STORE_FAILED_EXIT
            + " rather than leave every request to it waiting. Start again: the store reopens its"
            + " file where H2 last wrote it, as after a kill -9.";
    LOG.error(message, failed);
    System.err.println(message);
    System.err.flush();
    // not exit: shutdown hooks would close the store, and closing a failed H2 store can wait
    // forever
    Runtime.getRuntime().halt(STORE_FAILED_EXIT);
  }

  @Override
  public void close() {
    sweeper.shutdownNow();
    if (failure().isEmpty()) {
      server.shutdown();
      return;
    }
    // a failed store: stop taking clients, then close what will close, without waiting on H2
    server.stopListening();
    Thread closer =
        new Thread(
            () -> {
              h2.closeImmediately();
              server.shutdownNow();
            },
            "jobline-store-close");
    closer.setDaemon(true);
    closer.start();
    try {
      closer.join(CLOSE_FAILED.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
