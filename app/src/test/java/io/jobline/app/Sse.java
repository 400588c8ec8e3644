package io.jobline.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobline.wire.Json;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

/** A server-sent events client for tests: reads one event at a time, noting when each arrived. */
final class Sse implements Closeable {
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** One event: its id, name, data and the moment this client read it. */
  record Event(String id, String name, JsonNode data, Instant receivedAt) {}

  final int status;
  private final BufferedReader reader;
  private final HttpResponse<InputStream> response;

  private Sse(HttpResponse<InputStream> response) {
    this.response = response;
    this.status = response.statusCode();
    this.reader =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
  }

  /** Opens {@code path} with the test admin token, from {@code lastEventId} when not null. */
  static Sse open(String base, String path, String lastEventId)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Authorization", "Bearer " + Http.TEST_TOKEN)
            .header("Accept", "text/event-stream");
    if (lastEventId != null) {
      b.header("Last-Event-ID", lastEventId);
    }
    return new Sse(CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofInputStream()));
  }

  String contentType() {
    return response.headers().firstValue("Content-Type").orElse("");
  }

  /** The next event, or null when the stream ended; comments and blank probes are skipped. */
  Event next() throws IOException {
    String id = null;
    String name = null;
    StringBuilder data = null;
    String line;
    while ((line = reader.readLine()) != null) {
      if (line.isEmpty()) {
        if (data != null) {
          return new Event(id, name, Json.mapper().readTree(data.toString()), Instant.now());
        }
        continue;
      }
      if (line.startsWith("id: ")) {
        id = line.substring(4);
      } else if (line.startsWith("event: ")) {
        name = line.substring(7);
      } else if (line.startsWith("data: ")) {
        data =
            data == null
                ? new StringBuilder(line.substring(6))
                : data.append('\n').append(line.substring(6));
      }
    }
    return null;
  }

  /** What is left of the body, as text (a problem document, for a refused stream). */
  String rest() throws IOException {
    StringBuilder out = new StringBuilder();
    for (String line; (line = reader.readLine()) != null; ) {
      out.append(line).append('\n');
    }
    return out.toString();
  }

  @Override
  public void close() throws IOException {
    response.body().close();
  }
}
