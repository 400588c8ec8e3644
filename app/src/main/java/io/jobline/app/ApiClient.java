package io.jobline.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobline.wire.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BiConsumer;
import picocli.CommandLine.Option;

/** Connection options of the CLI client commands, and the calls they make. */
final class ApiClient {
  @Option(names = "--api-url", description = "The API (default: $JOBLINE_API_URL or http://localhost:5001).")
  String apiUrl = Optional.ofNullable(System.getenv("JOBLINE_API_URL")).orElse("http://localhost:5001");

  @Option(names = "--token", description = "Bearer token (default: $JOBLINE_TOKEN, else $JOBLINE_DEV_TOKEN).")
  String token = Optional.ofNullable(System.getenv("JOBLINE_TOKEN")).orElse(System.getenv("JOBLINE_DEV_TOKEN"));

  @Option(names = "--json", description = "Print the API's JSON instead of a table.")
  boolean json;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** A response: status and JSON body. */
  record Reply(int status, JsonNode body) {
    boolean ok() {
      return status / 100 == 2;
    }
  }

  Reply get(String path) throws IOException, InterruptedException {
    return send(request(path).GET());
  }

  Reply post(String path) throws IOException, InterruptedException {
    return send(request(path).POST(HttpRequest.BodyPublishers.noBody()));
  }

  Reply post(String path, String json) throws IOException, InterruptedException {
    return send(request(path).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  /** Reads server-sent events until the stream ends, passing (event, data) along. */
  void stream(String path, BiConsumer<String, JsonNode> onEvent) throws IOException, InterruptedException {
    HttpResponse<java.io.InputStream> r = http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
    try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
      String event = null;
      String line;
      while ((line = in.readLine()) != null) {
        if (line.startsWith("event: ")) {
          event = line.substring(7);
        } else if (line.startsWith("data: ") && event != null) {
          onEvent.accept(event, Json.mapper().readTree(line.substring(6)));
        }
      }
    }
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(apiUrl + path)).timeout(Duration.ofHours(6));
    if (token != null && !token.isBlank()) {
      b.header("Authorization", "Bearer " + token);
    }
    return b;
  }

  private Reply send(HttpRequest.Builder b) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    JsonNode body = r.body().isBlank() ? Json.object() : Json.mapper().readTree(r.body());
    return new Reply(r.statusCode(), body);
  }

  /** Prints the reply (JSON, or through {@code table}) or its problem; returns the exit code. */
  int print(Reply reply, java.util.function.Consumer<JsonNode> table) throws IOException {
    if (!reply.ok()) {
      System.err.println("jobline: " + reply.status() + " " + reply.body().path("title").asText("")
          + ": " + reply.body().path("detail").asText(reply.body().toString()));
      return reply.status() == 404 || reply.status() == 400 ? 2 : 1;
    }
    if (json) {
      System.out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(reply.body()));
    } else {
      table.accept(reply.body());
    }
    return 0;
  }

  static String text(JsonNode n, String field) {
    JsonNode v = n.path(field);
    return v.isMissingNode() || v.isNull() ? "-" : v.asText();
  }
}
