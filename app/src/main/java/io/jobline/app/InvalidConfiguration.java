package io.jobline.app;

import io.dropwizard.configuration.ConfigurationException;
import java.util.List;

/**
 * A configuration that reads as YAML and binds, but that the checks beyond bean validation refuse:
 * each error names the key and why, as Dropwizard's own validation does.
 */
final class InvalidConfiguration extends ConfigurationException {
  private static final long serialVersionUID = 1L;

  InvalidConfiguration(String path, List<String> errors) {
    super(path, errors);
  }
}
