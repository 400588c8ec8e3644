package io.jobline.api.auth;

import java.util.Locale;

/** What a caller may do; each role includes the ones below it. */
public enum Role {
  /** Read runs, schedules, the catalogue and statistics. */
  VIEWER,
  /** Also run, cancel and retry jobs, pause, resume and trigger schedules. */
  OPERATOR,
  /** Everything: also create, change and delete schedules. */
  ADMIN;

  public static final String VIEWER_NAME = "viewer";
  public static final String OPERATOR_NAME = "operator";
  public static final String ADMIN_NAME = "admin";

  public boolean includes(Role other) {
    return ordinal() >= other.ordinal();
  }

  /**
   * The role named {@code name} (viewer, operator or admin).
   *
   * @throws IllegalArgumentException for any other name
   */
  public static Role of(String name) {
    return valueOf(name.trim().toUpperCase(Locale.ROOT));
  }

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }
}
