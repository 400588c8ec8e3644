package io.jobline.app;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.constraints.NotEmpty;
import java.util.List;

/** Where the executor looks for {@code @Job} methods. */
public class JobsSettings {
  public static final List<String> DEFAULT_PACKAGES = List.of("io.jobline.examples");

  /** Packages (with sub-packages) scanned for {@code @Job} methods. */
  @NotEmpty
  @JsonProperty
  public List<String> packages = DEFAULT_PACKAGES;
}
