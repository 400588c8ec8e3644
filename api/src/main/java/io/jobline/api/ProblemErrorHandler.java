package io.jobline.api;

import io.jobline.wire.Json;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Errors Jetty (or Jersey's servlet) answers itself, before any resource sees the request (an
 * ambiguous or undecodable path such as {@code ..%2f..}, a NUL in the path, a malformed request
 * line, a {@code Content-Type} that does not parse), as {@code application/problem+json} like every
 * other error of the API.
 */
public final class ProblemErrorHandler extends ErrorHandler {
  /** Jetty writes an error body for GET, POST and HEAD only; a DELETE or PATCH deserves one too. */
  @Override
  public boolean errorPageForMethod(String method) {
    return true;
  }

  @Override
  protected void generateResponse(
      Request request,
      Response response,
      int code,
      String message,
      Throwable cause,
      Callback callback) {
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, Problem.MEDIA_TYPE);
    response.getHeaders().put(ERROR_CACHE_CONTROL);
    // Jersey refuses a Content-Type it cannot parse (charset=@@) with a bare 400 before any of
    // the api's filters runs; that 400 names the header, not the path (found by review)
    Problem contentType =
        ContentTypeCheck.problem(request.getHeaders().getValuesList(HttpHeader.CONTENT_TYPE))
            .map(ApiException::toProblem)
            .filter(p -> p.status() == code)
            .orElse(null);
    byte[] body = contentType != null ? json(contentType) : body(code, message);
    response.write(true, ByteBuffer.wrap(body), callback);
  }

  @Override
  public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
    fields.put(new HttpField(HttpHeader.CONTENT_TYPE, Problem.MEDIA_TYPE));
    return ByteBuffer.wrap(body(status, reason));
  }

  static byte[] body(int code, String message) {
    String title = HttpStatus.getMessage(code);
    String detail = message == null || message.isBlank() ? title : message;
    if (code == 400) {
      detail =
          "the request could not be read: "
              + detail
              + " (paths may not hold encoded '/', '..' segments, "
              + "control characters or invalid escapes)";
    }
    return json(new Problem("about:blank", title, code, detail, code == 400 ? "path" : null, null));
  }

  private static byte[] json(Problem problem) {
    try {
      return Json.mapper().writeValueAsBytes(problem);
    } catch (Exception e) {
      return ("{\"title\":\"Error\",\"status\":" + problem.status() + "}")
          .getBytes(StandardCharsets.UTF_8);
    }
  }
}
