package io.jobline.builtins.export;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.jobline.job.JobException;
import io.jobline.wire.Json;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The params of {@code bi-export}, as the seed names them (checked by the job's JSON Schema first).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ExportParams(
    TargetType targetType,
    List<ResourceConfig> configs,
    String projectId,
    String datasetId,
    String location,
    String credentialsPath,
    String connectionString,
    Integer batchSize) {
  public static final int DEFAULT_BATCH_SIZE = 500;

  public ExportParams {
    configs = configs == null ? List.of() : List.copyOf(configs);
    batchSize = batchSize == null ? DEFAULT_BATCH_SIZE : batchSize;
  }

  /**
   * Reads validated params.
   *
   * @throws JobException if they do not have the expected shape
   */
  public static ExportParams from(JsonNode params) {
    try {
      return Json.mapper().treeToValue(params, ExportParams.class);
    } catch (Exception e) {
      throw new JobException("bi-export params could not be read: " + e.getMessage(), e);
    }
  }

  /**
   * Which warehouse the rows go to, beyond its type: the BigQuery project and dataset, or a
   * fingerprint of the connection string without its password (so a rotated password is the same
   * place, and no secret is written down). Exports of one tenant's resource to one table name in
   * two warehouses keep their passes and leases apart: they shared them, and one export went on
   * from where the other stopped and deleted the rows of documents it had not written in the other
   * warehouse (found by review).
   */
  public String destination() {
    if (targetType == TargetType.BIGQUERY) {
      return projectId + "/" + datasetId;
    }
    String place =
        connectionString == null
            ? ""
            : PASSWORD.matcher(connectionString).replaceAll("").toLowerCase(Locale.ROOT);
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(place.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  /** A password in a JDBC connection string or URL ({@code password=…}, {@code pwd=…}). */
  private static final Pattern PASSWORD =
      Pattern.compile("(?i)(?<=[;?&:]|^)\\s*(password|pwd)\\s*=[^;&]*");

  /** Where the rows go. */
  public enum TargetType {
    BIGQUERY,
    AZURE_SQL,
    POSTGRES;

    @JsonValue
    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static TargetType fromWire(String value) {
      return valueOf(value.toUpperCase(Locale.ROOT));
    }
  }

  /** One resource (collection) to export and how to shape it. */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record ResourceConfig(
      String resource,
      String targetTable,
      GdprMode gdprMode,
      Integer flattenDepth,
      Map<String, String> flattenFields,
      List<String> excludeFields,
      List<String> includeFields) {

    public ResourceConfig {
      gdprMode = gdprMode == null ? GdprMode.EXCLUDE : gdprMode;
      flattenDepth = flattenDepth == null ? 1 : flattenDepth;
      flattenFields = flattenFields == null ? Map.of() : Map.copyOf(flattenFields);
      excludeFields = excludeFields == null ? List.of() : List.copyOf(excludeFields);
      includeFields = includeFields == null ? null : List.copyOf(includeFields);
    }
  }
}
