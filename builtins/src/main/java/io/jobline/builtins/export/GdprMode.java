package io.jobline.builtins.export;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** What the export does with a resource's personal fields. */
public enum GdprMode {
  /** Personal columns are left out. */
  EXCLUDE,
  /** Personal values are replaced with a fixed marker. */
  ANONYMIZE,
  /** Personal values are replaced with a keyed SHA-256 (HMAC) of the value. */
  HASH;

  @JsonValue
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator
  public static GdprMode fromWire(String value) {
    return valueOf(value.toUpperCase(Locale.ROOT));
  }
}
