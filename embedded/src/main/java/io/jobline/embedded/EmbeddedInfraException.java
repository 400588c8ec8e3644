package io.jobline.embedded;

/** The embedded Kafka broker or Mongo-wire store could not start. */
public class EmbeddedInfraException extends RuntimeException {
  public EmbeddedInfraException(String message, Throwable cause) {
    super(message, cause);
  }
}
