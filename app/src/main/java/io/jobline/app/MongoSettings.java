package io.jobline.app;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.jobline.builtins.BuiltinSettings;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;

/**
 * How to reach MongoDB: a {@code mongodb://} URI and the database Jobline keeps its collections in.
 */
public class MongoSettings {
  @NotBlank
  @Pattern(regexp = "mongodb(\\+srv)?://.+", message = "must be a mongodb:// or mongodb+srv:// URI")
  @JsonProperty
  public String uri = "mongodb://localhost:27117";

  @NotBlank
  @Pattern(regexp = BuiltinSettings.DATABASE_NAME, message = BuiltinSettings.NOT_A_DATABASE_NAME)
  @JsonProperty
  public String database = "jobline";
}
