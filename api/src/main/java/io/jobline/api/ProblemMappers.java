package io.jobline.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.jobline.cron.CronException;
import io.jobline.store.StoreFailures;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import java.util.List;
import java.util.Locale;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.glassfish.jersey.server.ParamException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Turns every error into {@code application/problem+json}. */
public final class ProblemMappers {
  private static final Logger LOG = LoggerFactory.getLogger(ProblemMappers.class);

  private ProblemMappers() {}

  /**
   * All mappers, to register with Jersey in place of Dropwizard's defaults, and the {@link
   * ContentTypeCheck} that answers a request Jersey could not read a body of before a route fails
   * on it.
   */
  public static List<Object> all() {
    return List.of(
        new Api(), new Json(), new Cron(), new Web(), new Unexpected(), new ContentTypeCheck());
  }

  static Response respond(Problem problem) {
    return Response.status(problem.status()).type(Problem.MEDIA_TYPE).entity(problem).build();
  }

  static final class Api implements ExceptionMapper<ApiException> {
    @Override
    public Response toResponse(ApiException e) {
      Response.ResponseBuilder answer =
          Response.status(e.status()).type(Problem.MEDIA_TYPE).entity(e.toProblem());
      if (e.retryAfterSeconds() != null) {
        answer.header("Retry-After", Integer.toString(e.retryAfterSeconds()));
      }
      return answer.build();
    }
  }

  static final class Json implements ExceptionMapper<JsonProcessingException> {
    @Override
    public Response toResponse(JsonProcessingException e) {
      return respond(
          new Problem(
              "about:blank",
              "Malformed JSON",
              400,
              "the request body is not valid JSON: " + e.getOriginalMessage(),
              "body",
              null));
    }
  }

  /**
   * A trigger field a route did not check itself, such as a stored schedule's cron expression that
   * no longer parses, met when the route plans its next fire: 400 naming the field, not a 500.
   */
  static final class Cron implements ExceptionMapper<CronException> {
    @Override
    public Response toResponse(CronException e) {
      return respond(ApiException.badRequest(e.field(), e.getMessage()).toProblem());
    }
  }

  static final class Web implements ExceptionMapper<WebApplicationException> {
    @Override
    public Response toResponse(WebApplicationException e) {
      if (e instanceof ParamException p) {
        // JAX-RS answers a query or path parameter it cannot convert with a 404; it is a bad
        // request
        String name = p.getParameterName();
        return respond(
            new Problem(
                "about:blank",
                "Bad request",
                400,
                p.getParameterType()
                        .getSimpleName()
                        .replace("Param", " parameter")
                        .toLowerCase(Locale.ROOT)
                    + " '"
                    + name
                    + "' has a value of the wrong type"
                    + (e.getCause() == null ? "" : ": " + e.getCause().getMessage()),
                name,
                null));
      }
      int status = e.getResponse().getStatus();
      String title =
          Response.Status.fromStatusCode(status) == null
              ? "Error"
              : Response.Status.fromStatusCode(status).getReasonPhrase();
      return respond(new Problem("about:blank", title, status, e.getMessage(), null, null));
    }
  }

  /**
   * "MongoDB" or "Kafka" when the error (or a cause of it) says that dependency could not be
   * reached.
   */
  static String unavailableDependency(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (StoreFailures.unavailable(t)) {
        return "MongoDB";
      }
      if (t instanceof org.apache.kafka.common.errors.TimeoutException
          || t instanceof java.util.concurrent.TimeoutException
          || t instanceof NotEnoughReplicasException) {
        return "Kafka";
      }
    }
    return null;
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getClass().getSimpleName();
  }

  static final class Unexpected implements ExceptionMapper<Throwable> {
    @Override
    public Response toResponse(Throwable e) {
      if (e instanceof WebApplicationException w) {
        return new Web().toResponse(w);
      }
      String down = unavailableDependency(e);
      if (down != null) {
        LOG.warn("A request failed because {} is unavailable: {}", down, e.toString());
        return Response.status(503)
            .type(Problem.MEDIA_TYPE)
            .header("Retry-After", "5")
            .entity(
                new Problem(
                    "about:blank",
                    "Dependency unavailable",
                    503,
                    down
                        + " is unavailable ("
                        + rootMessage(e)
                        + "); nothing was changed by this request unless it says so; retry later",
                    "dependency",
                    List.of(down)))
            .build();
      }
      LOG.error("Unexpected error while serving a request", e);
      return respond(
          new Problem(
              "about:blank",
              "Internal server error",
              500,
              "the server failed to handle the request: "
                  + e.getClass().getSimpleName()
                  + "; see the server log",
              null,
              null));
    }
  }
}
