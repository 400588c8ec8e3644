package io.jobline.app;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.dropwizard.configuration.ConfigurationException;
import io.dropwizard.configuration.ConfigurationSourceProvider;
import io.dropwizard.configuration.EnvironmentVariableSubstitutor;
import io.dropwizard.configuration.FileConfigurationSourceProvider;
import io.dropwizard.configuration.ResourceConfigurationSourceProvider;
import io.dropwizard.configuration.SubstitutingSourceProvider;
import io.dropwizard.configuration.YamlConfigurationFactory;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.jackson.Jackson;
import io.dropwizard.jersey.validation.Validators;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * Loads configuration and starts the Dropwizard server of a {@link JoblineApplication} in this JVM.
 */
public final class Launcher {
  private static volatile boolean loggingConfigured;

  private Launcher() {}

  /**
   * Reads a YAML config file, substituting {@code ${ENV_VAR}} and {@code ${ENV_VAR:-default}}.
   *
   * @throws ConfigurationException naming each invalid key and why
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
    EnvironmentVariableSubstitutor env = new EnvironmentVariableSubstitutor(false);
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    JsonNode base;
    JsonNode over;
    try (var in =
        new SubstitutingSourceProvider(new ResourceConfigurationSourceProvider(), env)
            .open(resource)) {
      base = yaml.readTree(in);
    }
    try (var in =
        new SubstitutingSourceProvider(new FileConfigurationSourceProvider(), env)
            .open(overlay.toString())) {
      over = yaml.readTree(in);
    }
    if (over != null && !over.isNull() && !over.isObject()) {
      throw new IOException(overlay + " is not a YAML mapping of settings");
    }
    byte[] merged =
        yaml.writeValueAsBytes(over == null || over.isNull() ? base : merge(base, over));
    return load(
        path -> new ByteArrayInputStream(merged), overlay + " (over the standalone defaults)");
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
    var factory =
        new YamlConfigurationFactory<>(
            JoblineConfiguration.class,
            Validators.newValidator(),
            // (a key left empty, as `${VAR:-30}` gives when VAR is set but empty, is refused
            // naming it: read as a number it was 0, e.g. purge soft-deleted documents at once)
            Jackson.newObjectMapper()
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES),
            "jobline");
    return factory.build(
        new SubstitutingSourceProvider(source, new EnvironmentVariableSubstitutor(false)), path);
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
