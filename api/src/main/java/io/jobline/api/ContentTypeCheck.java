package io.jobline.api;

import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.util.List;
import java.util.Optional;

/**
 * Refuses a request whose {@code Content-Type} names a charset this JVM does not know ({@code
 * charset=nope}) with a 415 naming {@code Content-Type}, before routing: Jersey failed every route
 * that reads a body on it with a 500 (found by review). A header Jersey cannot parse at all ({@code
 * charset=@@}) is refused by Jersey before any filter runs; {@link ProblemErrorHandler} names the
 * header in that 400 with {@link #problem}.
 */
@PreMatching
@Priority(Priorities.HEADER_DECORATOR)
public final class ContentTypeCheck implements ContainerRequestFilter {
  static final String FIELD = HttpHeaders.CONTENT_TYPE;

  @Override
  public void filter(ContainerRequestContext request) {
    problem(request.getHeaders().get(FIELD))
        .ifPresent(e -> request.abortWith(ProblemMappers.respond(e.toProblem())));
  }

  /**
   * Why no body can be read by these {@code Content-Type} values: 400 when they do not parse or are
   * more than one, 415 when they name an unknown charset; empty when they are fine or absent.
   */
  static Optional<ApiException> problem(List<String> given) {
    if (given == null || given.isEmpty() || (given.size() == 1 && given.get(0).isBlank())) {
      return Optional.empty();
    }
    if (given.size() > 1) {
      return Optional.of(
          refused(400, "Bad request", FIELD + " is given " + given.size() + " times"));
    }
    MediaType type;
    try {
      type = MediaType.valueOf(given.get(0));
    } catch (IllegalArgumentException e) {
      return Optional.of(
          refused(400, "Bad request", FIELD + " '" + shown(given.get(0)) + "' does not parse"));
    }
    String charset = type.getParameters().get(MediaType.CHARSET_PARAMETER);
    if (charset == null || known(charset)) {
      return Optional.empty();
    }
    return Optional.of(
        refused(
            415,
            "Unsupported media type",
            FIELD + " names charset '" + shown(charset) + "', which this server does not know"));
  }

  private static boolean known(String charset) {
    try {
      return Charset.isSupported(charset);
    } catch (IllegalCharsetNameException e) {
      return false;
    }
  }

  private static ApiException refused(int status, String title, String what) {
    return new ApiException(
        status, title, what + "; send the body as JSON in UTF-8 (application/json)", FIELD, null);
  }

  private static String shown(String text) {
    return text.length() > 40 ? text.substring(0, 40) + "…" : text;
  }
}
