package io.jobline.job;

/**
 * A job asked for a resource this process does not offer; names the resource's type and, for a
 * named resource, its name.
 */
public class ResourceUnavailableException extends JobException {
  private final Class<?> type;
  private final String name;

  public ResourceUnavailableException(Class<?> type, String name) {
    super(
        name == null
            ? "this job needs a " + type.getSimpleName() + ", which is not available here"
            : "this job needs the "
                + type.getSimpleName()
                + " '"
                + name
                + "', which is not available here");
    this.type = type;
    this.name = name;
  }

  /** The type of resource the job asked for. */
  public Class<?> type() {
    return type;
  }

  /** The name of the resource, or null when the job asked for the one of its type. */
  public String name() {
    return name;
  }
}
