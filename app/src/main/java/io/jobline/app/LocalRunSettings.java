package io.jobline.app;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.dropwizard.configuration.EnvironmentVariableSubstitutor;
import io.dropwizard.jersey.validation.Validators;
import jakarta.validation.ConstraintViolation;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What {@code jobline run} takes from the standalone defaults when it is given no {@code --config}:
 * their {@code mongo} and {@code jobs} sections (with {@code ${ENV_VAR}} substituted, unknown keys
 * refused and bean validation applied as for any configuration) and their log levels. Read on their
 * own rather than by building a whole Dropwizard configuration, which costs more than a second of a
 * command a user runs all day.
 */
record LocalRunSettings(
    MongoSettings mongo, JobsSettings jobs, Level rootLevel, Map<String, Level> loggers) {
  static final String RESOURCE = "jobline-standalone.yml";

  /**
   * @throws CliFailure naming each invalid key and why
   */
  static LocalRunSettings standaloneDefaults() throws IOException {
    try (InputStream in = LocalRunSettings.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      return read(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  /**
   * Reads these settings from a YAML document shaped like the standalone defaults.
   *
   * @throws CliFailure naming each invalid key and why
   */
  static LocalRunSettings read(String yaml) {
    ObjectMapper mapper =
        new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    JsonNode tree;
    MongoSettings mongo;
    JobsSettings jobs;
    try {
      tree = mapper.readTree(new EnvironmentVariableSubstitutor(false).replace(yaml));
      mongo =
          tree.hasNonNull("mongo")
              ? mapper.treeToValue(tree.get("mongo"), MongoSettings.class)
              : new MongoSettings();
      jobs =
          tree.hasNonNull("jobs")
              ? mapper.treeToValue(tree.get("jobs"), JobsSettings.class)
              : new JobsSettings();
    } catch (JsonProcessingException e) {
      throw new CliFailure(
          ExitCode.INVALID,
          RESOURCE
              + " (the standalone defaults, with your environment) cannot be read: "
              + e.getOriginalMessage()
              + " — check the environment variables it names, or pass --config FILE");
    }
    Set<String> errors = new TreeSet<>();
    var validator = Validators.newValidator();
    for (ConstraintViolation<?> v : validator.validate(mongo)) {
      errors.add("mongo." + v.getPropertyPath() + " " + v.getMessage());
    }
    for (ConstraintViolation<?> v : validator.validate(jobs)) {
      errors.add("jobs." + v.getPropertyPath() + " " + v.getMessage());
    }
    if (!errors.isEmpty()) {
      throw new CliFailure(
          ExitCode.INVALID,
          RESOURCE
              + " (the standalone defaults, with your environment) is invalid: "
              + String.join("; ", errors)
              + " — check the environment variables it names, or pass --config FILE");
    }
    JsonNode logging = tree.path("logging");
    Map<String, Level> loggers = new LinkedHashMap<>();
    logging
        .path("loggers")
        .properties()
        .forEach(e -> loggers.put(e.getKey(), Level.toLevel(e.getValue().asText(), Level.INFO)));
    return new LocalRunSettings(
        mongo, jobs, Level.toLevel(logging.path("level").asText("INFO"), Level.INFO), loggers);
  }
}
