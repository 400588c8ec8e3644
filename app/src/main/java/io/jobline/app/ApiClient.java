package io.jobline.app;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.wire.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import picocli.CommandLine.Option;

/**
 * Connection options of the CLI client commands, and the calls they make. A call that reaches no
 * API, or something that is not Jobline's, throws a {@link CliFailure} naming the address tried.
 */
final class ApiClient {
  static final String DEFAULT_URL = "http://localhost:5001";

  @Option(
      names = "--api-url",
      description = "The API (default: $JOBLINE_API_URL or " + DEFAULT_URL + ").")
  String apiUrl = Optional.ofNullable(System.getenv("JOBLINE_API_URL")).orElse(DEFAULT_URL);

  @Option(
      names = "--token",
      description = "Bearer token (default: $JOBLINE_TOKEN, else $JOBLINE_DEV_TOKEN).")
  String token = defaultToken();

  @Option(names = "--json", description = "Print the API's JSON instead of a table.")
  boolean json;

  /**
   * Built at the first call: making one sets up TLS, which every command would pay for otherwise.
   */
  private HttpClient http;

  /** A client of the API at {@code url}, outside picocli (e.g. {@code jobline run --submit}). */
  static ApiClient to(String url, String token) {
    ApiClient api = new ApiClient();
    api.apiUrl = url;
    api.token = token;
    return api;
  }

  static String defaultToken() {
    return Optional.ofNullable(System.getenv("JOBLINE_TOKEN"))
        .orElse(System.getenv("JOBLINE_DEV_TOKEN"));
  }

  /** A response: what was asked, the status and the JSON body. */
  record Reply(String request, int status, JsonNode body) {
    boolean ok() {
      return status / 100 == 2;
    }
  }

  Reply get(String path) throws IOException, InterruptedException {
    return send("GET", path, request(path).GET());
  }

  Reply post(String path) throws IOException, InterruptedException {
    return send("POST", path, request(path).POST(HttpRequest.BodyPublishers.noBody()));
  }

  Reply post(String path, String json) throws IOException, InterruptedException {
    return send(
        "POST",
        path,
        request(path)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  /**
   * Reads server-sent events until the stream ends, passing (event, data) along.
   *
   * <p>A stream resumed at the end of a run that ended is answered 204 (nothing more will come):
   * passed along as the {@code end} event the client missed, with the status {@code lastEventId}
   * names.
   *
   * @param lastEventId the id of the last event read before, sent as {@code Last-Event-ID} so the
   *     stream resumes after it; null for the whole stream
   * @return the id of the last event read (or {@code lastEventId} when none came)
   */
  String stream(String path, String lastEventId, BiConsumer<String, JsonNode> onEvent)
      throws IOException, InterruptedException {
    HttpResponse<InputStream> r;
    HttpRequest.Builder b = request(path).GET();
    if (lastEventId != null) {
      b.header("Last-Event-ID", lastEventId);
    }
    try {
      r = client().send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException e) {
      throw CliFailure.noApi(apiUrl, e);
    }
    if (r.statusCode() == 204 && lastEventId != null) {
      r.body().close();
      String status = lastEventId.substring(lastEventId.indexOf(':') + 1);
      onEvent.accept("end", Json.object().put("status", status));
      return lastEventId;
    }
    if (r.statusCode() != 200) {
      String body;
      try (InputStream in = r.body()) {
        body = new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
      }
      throw refused(
          new Reply("GET " + path, r.statusCode(), parse("GET", path, r.statusCode(), body, r)));
    }
    String lastId = lastEventId;
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
      String id = null;
      String event = null;
      String line;
      while ((line = in.readLine()) != null) {
        if (line.startsWith("id: ")) {
          id = line.substring(4);
        } else if (line.startsWith("event: ")) {
          event = line.substring(7);
        } else if (line.startsWith("data: ") && event != null) {
          onEvent.accept(event, Json.mapper().readTree(line.substring(6)));
          if (id != null) {
            lastId = id;
          }
        } else if (line.isEmpty()) {
          id = null;
          event = null;
        }
      }
    } catch (IOException e) {
      // the connection broke mid-stream (an api restarting): what was read stands
    }
    return lastId;
  }

  private HttpClient client() {
    if (http == null) {
      http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }
    return http;
  }

  private HttpRequest.Builder request(String path) {
    URI uri;
    try {
      uri = URI.create(apiUrl + path);
    } catch (IllegalArgumentException e) {
      throw new CliFailure(
          ExitCode.INVALID,
          "the API address '"
              + apiUrl
              + "' is not a URL ("
              + e.getMessage()
              + ") — give --api-url or JOBLINE_API_URL like "
              + DEFAULT_URL);
    }
    if (uri.getScheme() == null || !uri.getScheme().matches("https?") || uri.getHost() == null) {
      throw new CliFailure(
          ExitCode.INVALID,
          "the API address '"
              + apiUrl
              + "' is not an http(s) URL — give "
              + "--api-url or JOBLINE_API_URL like "
              + DEFAULT_URL);
    }
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofHours(6));
    if (token != null && !token.isBlank()) {
      b.header("Authorization", "Bearer " + token);
    }
    return b;
  }

  private Reply send(String method, String path, HttpRequest.Builder b)
      throws InterruptedException {
    HttpResponse<String> r;
    try {
      r = client().send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw CliFailure.noApi(apiUrl, e);
    }
    return new Reply(
        method + " " + path, r.statusCode(), parse(method, path, r.statusCode(), r.body(), r));
  }

  private JsonNode parse(String method, String path, int status, String body, HttpResponse<?> r) {
    if (body == null || body.isBlank()) {
      return Json.object();
    }
    try {
      return Json.mapper().readTree(body);
    } catch (JsonProcessingException e) {
      throw new CliFailure(
          ExitCode.UNAVAILABLE,
          apiUrl
              + " answered "
              + method
              + " "
              + path
              + " with "
              + status
              + " and a body that is not JSON ("
              + r.headers().firstValue("Content-Type").orElse("no content type")
              + ") — is that a Jobline API? Point --api-url or JOBLINE_API_URL at one");
    }
  }

  /** The one line for an answer that is not a success, with what to do about it. */
  CliFailure refused(Reply reply) {
    JsonNode b = reply.body();
    String said =
        reply.status()
            + " "
            + b.path("title").asText("")
            + ": "
            + b.path("detail").asText(b.toString());
    String asked = reply.request() + " at " + apiUrl;
    return switch (reply.status()) {
      case 401 ->
          new CliFailure(
              ExitCode.FAILED,
              asked
                  + " was refused ("
                  + said
                  + ") — pass --token or set "
                  + "JOBLINE_TOKEN (standalone prints its development token when it starts)");
      case 400, 404 -> new CliFailure(ExitCode.INVALID, said);
      default ->
          new CliFailure(
              ExitCode.FAILED,
              asked + ": " + said + (reply.status() >= 500 ? " — the API's log says more" : ""));
    };
  }

  /** Prints the reply (JSON, or through {@code table}) or its problem; returns the exit code. */
  int print(Reply reply, Consumer<JsonNode> table) throws IOException {
    if (!reply.ok()) {
      CliFailure f = refused(reply);
      System.err.println("jobline: " + f.getMessage());
      reply.body().path("errors").forEach(e -> System.err.println("  " + e.asText()));
      return f.exitCode();
    }
    if (json) {
      System.out.println(
          Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(reply.body()));
    } else {
      table.accept(reply.body());
    }
    return ExitCode.OK;
  }

  /**
   * {@code value} encoded as one part of a URL path or query: a run id or name holding a space, a
   * slash or an {@code &} was sent as it is, and the URL it broke blamed on --api-url.
   */
  static String part(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /**
   * {@code params} given on the command line as a JSON object.
   *
   * @throws CliFailure (bad input) saying what is wrong with it
   */
  static ObjectNode paramsObject(String params) {
    JsonNode parsed;
    try {
      parsed = Json.mapper().readTree(params);
    } catch (JsonProcessingException e) {
      throw new CliFailure(
          ExitCode.INVALID, "--params is not valid JSON: " + e.getOriginalMessage(), e);
    }
    if (!(parsed instanceof ObjectNode object)) {
      throw new CliFailure(ExitCode.INVALID, "--params must be a JSON object");
    }
    return object;
  }

  static String text(JsonNode n, String field) {
    JsonNode v = n.path(field);
    return v.isMissingNode() || v.isNull() ? "-" : v.asText();
  }
}
