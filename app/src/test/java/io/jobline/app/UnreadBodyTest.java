package io.jobline.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * An answer given without reading the request's body — 413 on the declared length, 401 before the
 * body, a route that takes none — reaches the client. Before the api read such a body to its end,
 * Jetty closed the connection under a client still sending it, and 10 to 15 of every 100 answers
 * were lost to TCP's reset; this client sends each request once, without the retry {@link Http}
 * makes.
 */
class UnreadBodyTest {
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void everyAnswerToABodyTheApiDidNotNeedReachesTheClient() throws Exception {
    String api = SharedStandalone.get().apiUrl();
    String tooLarge = "{\"x\":\"" + "y".repeat(1_100_000) + "\"}";
    String large = "{\"x\":\"" + "y".repeat(300_000) + "\"}";
    Map<String, Integer> answered = new TreeMap<>();
    List<String> lost = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      send(api + "/jobs/run/noop", tooLarge, Http.TEST_TOKEN, "413", answered, lost);
      send(api + "/jobs/run/noop", large, null, "401", answered, lost);
      send(
          api + "/jobs/runs/" + UUID.randomUUID() + "/cancel",
          large,
          Http.TEST_TOKEN,
          "cancel",
          answered,
          lost);
    }
    // a client that waits to be asked for its body is refused before it sends it (by hand: the
    // JDK 17 client waits forever for a 100 that does not come)
    URI uri = URI.create(api);
    try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
      socket.setSoTimeout(30_000);
      socket
          .getOutputStream()
          .write(
              ("POST /jobs/run/noop HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                      + Http.TEST_TOKEN
                      + "\r\nContent-Type: application/json\r\nContent-Length: "
                      + tooLarge.length()
                      + "\r\nExpect: 100-continue\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      String status =
          new BufferedReader(
                  new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
              .readLine();
      assertThat(status).startsWith("HTTP/1.1 413");
    }
    assertThat(lost).as("requests answered by a reset, not a status").isEmpty();
    assertThat(answered).containsEntry("413 413", 30).containsEntry("401 401", 30);
    assertThat(answered.keySet()).anyMatch(k -> k.startsWith("cancel 4"));
  }

  private static void send(
      String url,
      String body,
      String token,
      String what,
      Map<String, Integer> answered,
      List<String> lost)
      throws InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    try {
      int status = CLIENT.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
      answered.merge(what + " " + status, 1, Integer::sum);
    } catch (IOException e) {
      lost.add(what + ": " + e.getMessage());
    }
  }
}
