package io.jobline.builtins.export;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;

/** What {@code bi-export} returns, in the seed's shape. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record ExportSummary(
    String targetType,
    int resourcesProcessed,
    long totalExported,
    long totalErrors,
    List<ResourceResult> results) {

  /** One resource's outcome. */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record ResourceResult(
      String resource,
      String table,
      long exported,
      long skipped,
      List<String> errors,
      @JsonIgnore long errorCount) {}
}
