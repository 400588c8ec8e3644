package io.jobline.app;

import io.dropwizard.util.Duration;
import java.util.List;

/** One in-memory standalone (one Kafka broker) shared by every test class of this JVM. */
final class SharedStandalone {
  private static Standalone instance;

  private SharedStandalone() {}

  static synchronized Standalone get() {
    if (instance == null) {
      try {
        instance = Standalone.start(options());
      } catch (Exception e) {
        throw new IllegalStateException("could not start the shared standalone", e);
      }
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    try {
                      instance.close();
                    } catch (Exception ignored) {
                      // the JVM is exiting
                    }
                  }));
    }
    return instance;
  }

  /**
   * The shared standalone's options: a test whose outcome depends on all that is in the topics
   * starts a standalone of its own with them.
   */
  static Standalone.Options options() {
    return Standalone.Options.ephemeral(null)
        .withTweak(
            c -> {
              c.jobs.packages = List.of("io.jobline.examples", "io.jobline.app.testjobs");
              c.executor.retryBackoff = Duration.milliseconds(200);
              c.auth.devToken = Http.TEST_TOKEN;
              c.auth.apiKeys =
                  List.of(
                      AuthTest.key("viewer", "viewer-key", "viewer", null),
                      AuthTest.key("operator", "operator-key", "operator", null),
                      AuthTest.key("acme-operator", "acme-key", "operator", "acme"),
                      AuthTest.key("acme-admin", "acme-admin-key", "admin", "acme"));
              c.auth.jwt.hs256Secret = AuthTest.JWT_SECRET;
              c.api.limits.writesPerSecond = 1_000_000; // the fuzz suite writes thousands at once
              c.api.limits.writeBurst = 1_000_000;
              c.api.streamStall =
                  Duration.seconds(3); // RunStreamTest's stopped reader is cut off soon
            });
  }
}
