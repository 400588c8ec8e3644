package io.jobline.embedded;

import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A Mongo-wire store in this JVM (mongo-java-server): persistent in an H2 file, or in memory. Real
 * MongoDB replaces it in production; Jobline's code does not rely on its quirks.
 */
public final class EmbeddedMongo implements AutoCloseable {
  private final MongoServer server;
  private final String backendName;
  private final int port;

  private EmbeddedMongo(MongoServer server, String backendName, int port) {
    this.server = server;
    this.backendName = backendName;
    this.port = port;
  }

  /**
   * Starts the store on {@code port} (0 picks a free one).
   *
   * @param file the H2 file to keep data in, or {@code null} for memory only
   */
  public static EmbeddedMongo start(Path file, int port) {
    int p = port == 0 ? EmbeddedKafka.freePort() : port;
    MongoBackend backend;
    String name;
    try {
      if (file == null) {
        backend = new CompactMemoryBackend();
        name = "memory";
      } else {
        Files.createDirectories(file.toAbsolutePath().getParent());
        backend = new CompactH2Backend(file.toAbsolutePath().toString());
        name = "h2 (" + file.toAbsolutePath() + ")";
      }
      MongoServer server = new MongoServer(backend);
      server.bind("localhost", p);
      return new EmbeddedMongo(server, name, p);
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

  public String uri() {
    return "mongodb://localhost:" + port;
  }

  /** "memory" or "h2 (path)": which backend keeps the data. */
  public String backend() {
    return backendName;
  }

  @Override
  public void close() {
    server.shutdown();
  }
}
