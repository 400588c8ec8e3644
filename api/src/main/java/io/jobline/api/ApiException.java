package io.jobline.api;

import io.jobline.job.JoblineException;
import java.util.List;

/**
 * The root of the API's exceptions: a request the API refuses. It becomes a problem+json response
 * naming the field at fault.
 */
public class ApiException extends JoblineException {
  private final int status;
  private final String title;
  private final String field;
  private final List<String> errors;

  public ApiException(int status, String title, String detail, String field, List<String> errors) {
    super(detail);
    this.status = status;
    this.title = title;
    this.field = field;
    this.errors = errors;
  }

  public static ApiException badRequest(String field, String detail) {
    return new ApiException(400, "Bad request", detail, field, null);
  }

  public static ApiException notFound(String detail) {
    return new ApiException(404, "Not found", detail, null, null);
  }

  /** Seconds a client should wait before it asks again ({@code Retry-After}), or null. */
  private Integer retryAfterSeconds;

  /** This problem answered with {@code Retry-After: seconds}. */
  public ApiException retryAfter(int seconds) {
    this.retryAfterSeconds = seconds;
    return this;
  }

  public Integer retryAfterSeconds() {
    return retryAfterSeconds;
  }

  public Problem toProblem() {
    return new Problem("about:blank", title, status, getMessage(), field, errors);
  }

  public int status() {
    return status;
  }
}
