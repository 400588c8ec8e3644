package io.jobline.app;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.jobline.builtins.BuiltinSettings;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import java.util.ArrayList;
import java.util.List;

/** Where the executor looks for {@code @Job} methods. */
public class JobsSettings {
  public static final List<String> DEFAULT_PACKAGES = List.of("io.jobline.examples");

  /** Packages (with sub-packages) scanned for {@code @Job} methods. */
  @NotEmpty @JsonProperty public List<String> packages = DEFAULT_PACKAGES;

  /** The built-in jobs (io.jobline.builtins): whether they are registered, and their settings. */
  @Valid @NotNull @JsonProperty public BuiltinSettings builtins = new BuiltinSettings();

  /** The packages to scan: the configured ones plus the built-ins when enabled. */
  public List<String> scanned() {
    if (!builtins.enabled || packages.contains("io.jobline.builtins")) {
      return packages;
    }
    var all = new ArrayList<>(packages);
    all.add("io.jobline.builtins");
    return all;
  }
}
