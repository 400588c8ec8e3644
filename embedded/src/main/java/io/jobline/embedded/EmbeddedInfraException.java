package io.jobline.embedded;

/**
 * The root of the exceptions the embedded module throws: the embedded Kafka broker or Mongo-wire
 * store could not start. It depends on no other Jobline module, so it is a {@link RuntimeException}
 * of its own rather than a {@code JoblineException}.
 */
public class EmbeddedInfraException extends RuntimeException {
  public EmbeddedInfraException(String message, Throwable cause) {
    super(message, cause);
  }
}
