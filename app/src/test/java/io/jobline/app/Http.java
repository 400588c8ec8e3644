package io.jobline.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobline.wire.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A small HTTP client for tests against a running API. */
final class Http {
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** The development admin token every test standalone is started with. */
  static final String TEST_TOKEN = "test-admin-token";

  private final String base;
  private final String token;

  Http(String base) {
    this(base, TEST_TOKEN);
  }

  /** A client sending {@code token} as a bearer token (none when null). */
  Http(String base, String token) {
    this.base = base;
    this.token = token;
  }

  record Reply(int status, String contentType, JsonNode body, Map<String, List<String>> headers) {
    Reply(int status, String contentType, JsonNode body) {
      this(status, contentType, body, Map.of());
    }

    /** The first value of a header, or null. */
    String header(String name) {
      return headers.entrySet().stream()
          .filter(e -> e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty())
          .map(e -> e.getValue().get(0))
          .findFirst()
          .orElse(null);
    }
  }

  Reply get(String path) {
    return send(request(path).GET());
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return b;
  }

  Reply post(String path, String body) {
    HttpRequest.BodyPublisher publisher =
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body);
    return send(request(path).header("Content-Type", "application/json").POST(publisher));
  }

  Reply post(String path, String body, Map<String, String> headers) {
    HttpRequest.Builder b =
        request(path)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(b::header);
    return send(b);
  }

  Reply delete(String path) {
    return send(request(path).DELETE());
  }

  Reply patch(String path, String body) {
    return send(
        request(path)
            .header("Content-Type", "application/json")
            .method("PATCH", HttpRequest.BodyPublishers.ofString(body)));
  }

  private static Reply send(HttpRequest.Builder request) {
    try {
      HttpRequest built = request.timeout(Duration.ofSeconds(30)).build();
      HttpResponse<String> r;
      try {
        r = CLIENT.send(built, HttpResponse.BodyHandlers.ofString());
      } catch (IOException e) {
        // the server may close a kept-alive connection (after refusing a request without reading
        // its body) just as the client reuses it, and the request finds no one: send it once more
        // then
        if (!String.valueOf(e.getMessage()).contains("received no bytes")) {
          throw e;
        }
        r = CLIENT.send(built, HttpResponse.BodyHandlers.ofString());
      }
      JsonNode body = r.body().isEmpty() ? null : Json.mapper().readTree(r.body());
      return new Reply(
          r.statusCode(),
          r.headers().firstValue("Content-Type").orElse(""),
          body,
          r.headers().map());
    } catch (IOException e) {
      throw new IllegalStateException("request failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * Every page of a listing that pages by {@code next_cursor}, in order: {@code path} with its
   * query (without a cursor).
   */
  List<JsonNode> pages(String path) {
    List<JsonNode> pages = new ArrayList<>();
    String cursor = null;
    do {
      JsonNode page = get(path + (cursor == null ? "" : "&cursor=" + cursor)).body();
      pages.add(page);
      cursor = page.path("next_cursor").isNull() ? null : page.path("next_cursor").asText();
    } while (cursor != null);
    return pages;
  }
}
