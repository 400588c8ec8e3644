package io.jobline.api.console;

import io.jobline.wire.Json;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Serves the web console: {@code /} is its page, {@code /console/*} its scripts and styles, all
 * from the classpath folder {@code console/}. They need no token — every data call the console
 * makes goes to the REST API with the user's bearer token. The page may load nothing from elsewhere
 * (CSP).
 */
public final class ConsoleServlet extends HttpServlet {
  private static final String ROOT = "/console/";

  /**
   * File names the console has: letters, digits, dots, dashes, underscores and folders of those.
   */
  private static final Pattern SAFE =
      Pattern.compile("(?:[A-Za-z0-9_-]+/)*[A-Za-z0-9_-]+\\.(?:html|js|css|svg|png)");

  private static final Map<String, String> TYPES =
      Map.of(
          "html",
          "text/html; charset=utf-8",
          "js",
          "text/javascript; charset=utf-8",
          "css",
          "text/css; charset=utf-8",
          "svg",
          "image/svg+xml",
          "png",
          "image/png");
  static final String POLICY =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
          + "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    String path = request.getPathInfo();
    String file =
        path == null || path.equals("/") || path.isEmpty() ? "index.html" : path.substring(1);
    if (request.getServletPath().isEmpty() || request.getServletPath().equals("/")) {
      file = "index.html";
    }
    if (!SAFE.matcher(file).matches()) {
      notFound(response, file);
      return;
    }
    try (InputStream in = ConsoleServlet.class.getResourceAsStream(ROOT + file)) {
      if (in == null) {
        notFound(response, file);
        return;
      }
      response.setContentType(TYPES.get(file.substring(file.lastIndexOf('.') + 1)));
      response.setHeader("Content-Security-Policy", POLICY);
      response.setHeader("X-Content-Type-Options", "nosniff");
      response.setHeader("Referrer-Policy", "no-referrer");
      response.setHeader("Cache-Control", "no-cache");
      in.transferTo(response.getOutputStream());
    }
  }

  private static void notFound(HttpServletResponse response, String file) throws IOException {
    response.setStatus(404);
    response.setContentType("application/problem+json");
    response
        .getWriter()
        .write(
            "{\"type\":\"about:blank\",\"title\":\"Not found\",\"status\":404,"
                + "\"detail\":\"the console has no file "
                + Json.mapper().writeValueAsString(file).replace("\"", "'")
                + "\"}");
  }
}
