package io.jobline.app;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.dropwizard.configuration.ConfigurationException;
import io.dropwizard.configuration.ConfigurationSourceProvider;
import io.dropwizard.configuration.FileConfigurationSourceProvider;
import io.dropwizard.configuration.ResourceConfigurationSourceProvider;
import io.dropwizard.configuration.YamlConfigurationFactory;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.jackson.Jackson;
import io.dropwizard.jersey.validation.Validators;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * Loads configuration and starts the Dropwizard server of a {@link JoblineApplication} in this JVM.
 */
public final class Launcher {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static volatile boolean loggingConfigured;

  private Launcher() {}

  /**
   * Reads a YAML config file, substituting {@code ${ENV_VAR}} and {@code ${ENV_VAR:-default}}.
   *
   * @throws ConfigurationException naming each invalid key and why, and each key whose value takes
   *     an environment variable that is not set and has no default
   */
  public static JoblineConfiguration load(String path) throws IOException, ConfigurationException {
    return load(new FileConfigurationSourceProvider(), path);
  }

  /** Reads a YAML config from the classpath (the embedded defaults of standalone). */
  public static JoblineConfiguration loadResource(String resource)
      throws IOException, ConfigurationException {
    return load(new ResourceConfigurationSourceProvider(), resource);
  }

  /**
   * Reads the classpath YAML {@code resource} with the file {@code overlay} laid over it (objects
   * merge key by key, anything else the overlay gives replaces), both with {@code ${ENV_VAR}}
   * substituted: how {@code standalone --config FILE} takes the same settings as the roles.
   *
   * @throws ConfigurationException naming each invalid key and why
   */
  public static JoblineConfiguration loadOverlaid(String resource, Path overlay)
      throws IOException, ConfigurationException {
    JsonNode base = YAML.readTree(substituted(new ResourceConfigurationSourceProvider(), resource));
    JsonNode over =
        YAML.readTree(substituted(new FileConfigurationSourceProvider(), overlay.toString()));
    if (over != null && !over.isNull() && !over.isObject()) {
      throw new IOException(overlay + " is not a YAML mapping of settings");
    }
    String path = overlay + " (over the standalone defaults)";
    JsonNode merged = over == null || over.isNull() ? base : merge(base, over);
    // substituted once, before the merge: a $${X} the overlay gives stays the literal ${X}
    return bind(YAML.writeValueAsBytes(merged), merged, path);
  }

  private static JsonNode merge(JsonNode base, JsonNode over) {
    if (!(base instanceof ObjectNode b) || !over.isObject()) {
      return over;
    }
    ObjectNode out = b.deepCopy();
    over.properties()
        .forEach(
            e ->
                out.set(
                    e.getKey(),
                    out.has(e.getKey()) ? merge(out.get(e.getKey()), e.getValue()) : e.getValue()));
    return out;
  }

  private static JoblineConfiguration load(ConfigurationSourceProvider source, String path)
      throws IOException, ConfigurationException {
    String text = substituted(source, path);
    return bind(text.getBytes(StandardCharsets.UTF_8), YAML.readTree(text), path);
  }

  /** The text at {@code path} with the environment substituted, once. */
  private static String substituted(ConfigurationSourceProvider source, String path)
      throws IOException {
    try (InputStream in = source.open(path)) {
      return EnvironmentText.substitute(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  /**
   * Binds and validates the substituted {@code yaml} ({@code tree} is the same, read), refusing
   * first a key whose value takes an environment variable that is not set, then what {@link
   * SettingsChecks} finds.
   */
  private static JoblineConfiguration bind(byte[] yaml, JsonNode tree, String path)
      throws IOException, ConfigurationException {
    List<String> unset = EnvironmentText.unset(tree);
    if (!unset.isEmpty()) {
      throw new InvalidConfiguration(path, unset);
    }
    var factory =
        new YamlConfigurationFactory<>(
            JoblineConfiguration.class,
            Validators.newValidator(),
            // (a key left empty, as `${VAR:-30}` gives when VAR is set but empty, is refused
            // naming it: read as a number it was 0, e.g. purge soft-deleted documents at once)
            Jackson.newObjectMapper()
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                // (workers: 2.7 ran 2 workers, with no word of it)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT),
            "jobline");
    JoblineConfiguration config = factory.build(p -> new ByteArrayInputStream(yaml), path);
    List<String> problems = SettingsChecks.problems(config);
    if (!problems.isEmpty()) {
      throw new InvalidConfiguration(path, problems);
    }
    return config;
  }

  /** A started server; {@link #close()} stops it and every role it runs. */
  public record Running(Server server, Environment environment) implements AutoCloseable {
    /** The port of the first connector (the API when the server is "simple"). */
    public int port() {
      return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    @Override
    public void close() throws Exception {
      server.stop();
    }
  }

  /**
   * Applies the config's logging section once per JVM (before the embedded broker starts talking).
   */
  public static synchronized void configureLogging(JoblineConfiguration config) {
    if (!loggingConfigured) {
      config.getLoggingFactory().configure(new MetricRegistry(), "jobline");
      loggingConfigured = true;
    }
  }

  public static Running start(JoblineApplication app, JoblineConfiguration config)
      throws Exception {
    Bootstrap<JoblineConfiguration> bootstrap = new Bootstrap<>(app);
    app.initialize(bootstrap);
    configureLogging(config);
    bootstrap.registerMetrics();
    Environment env =
        new Environment(
            app.getName(),
            bootstrap.getObjectMapper(),
            bootstrap.getValidatorFactory(),
            bootstrap.getMetricRegistry(),
            bootstrap.getClassLoader(),
            bootstrap.getHealthCheckRegistry(),
            config);
    config.getMetricsFactory().configure(env.lifecycle(), bootstrap.getMetricRegistry());
    config.getServerFactory().configure(env);
    bootstrap.run(config, env);
    app.run(config, env);
    Server server = config.getServerFactory().build(env);
    // the process stops it (a shutdown hook of its own, before Kafka and the store), not Jetty's
    // own hook: both at once raced, and Jetty destroyed beans another thread was still stopping
    server.setStopAtShutdown(false);
    try {
      server.start();
    } catch (Exception e) {
      server.stop();
      throw e;
    }
    return new Running(server, env);
  }
}
