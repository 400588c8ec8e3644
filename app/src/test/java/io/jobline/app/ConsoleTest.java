package io.jobline.app;

import static io.jobline.app.HostileInputTest.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The console's files as the api serves them (no browser needed): no token, a strict policy,
 * nothing missing.
 */
class ConsoleTest {
  private static final HttpClient CLIENT = HttpClient.newHttpClient();
  private static final Pattern IMPORT = Pattern.compile("(?m)^import\\s[^;]*?from\\s'([^']+)';");
  private static String base;

  @BeforeAll
  static void start() {
    base = SharedStandalone.get().apiUrl();
  }

  private static HttpResponse<String> fetch(String path) throws Exception {
    return CLIENT.send(
        HttpRequest.newBuilder(URI.create(base + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void thePageIsServedAtTheRootWithoutATokenUnderAPolicyThatLoadsNothingFromElsewhere()
      throws Exception {
    HttpResponse<String> page = fetch("/");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
    assertThat(page.body()).contains("<script type=\"module\" src=\"/console/js/app.js\">");
    String policy = page.headers().firstValue("Content-Security-Policy").orElse("");
    assertThat(policy)
        .contains(
            "default-src 'none'",
            "script-src 'self'",
            "connect-src 'self'",
            "frame-ancestors 'none'");
    assertThat(page.body()).doesNotContain("http://", "https://");
  }

  @Test
  void everyModuleTheConsoleImportsIsServedAsJavaScriptAndNoneReachesTheNetwork() throws Exception {
    Deque<String> todo = new ArrayDeque<>(List.of("/console/js/app.js"));
    Set<String> seen = new HashSet<>();
    while (!todo.isEmpty()) {
      String path = todo.pop();
      if (!seen.add(path)) {
        continue;
      }
      HttpResponse<String> file = fetch(path);
      assertThat(file.statusCode()).as(path).isEqualTo(200);
      assertThat(file.headers().firstValue("Content-Type").orElse(""))
          .as(path)
          .startsWith("text/javascript");
      assertThat(file.body())
          .as(path)
          .doesNotContain("http://", "https://", "innerHTML", "localStorage", "eval(");
      Matcher m = IMPORT.matcher(file.body());
      while (m.find()) {
        todo.push(URI.create(path).resolve(m.group(1)).getPath());
      }
    }
    assertThat(seen).hasSizeGreaterThanOrEqualTo(10);
    assertThat(fetch("/console/console.css").headers().firstValue("Content-Type").orElse(""))
        .startsWith("text/css");
  }

  @Test
  void aFileTheConsoleDoesNotHaveIsA404ProblemEvenWhenThePathTriesToLeaveItsFolder()
      throws Exception {
    for (String path :
        List.of(
            "/console/nope.js",
            "/console/js/../../config.yml",
            "/console/%2e%2e/x.js",
            "/console/ConsoleServlet.class",
            "/console/.hidden.js")) {
      HttpResponse<String> r = fetch(path);
      assertThat(r.statusCode()).as(path).isBetween(400, 404);
    }
  }

  @Test
  void meSaysWhoTheTokenStandsFor() {
    Http.Reply acme = new Http(base, "acme-key").get("/jobs/me");
    assertThat(acme.body().path("name").asText()).isEqualTo("acme-operator");
    assertThat(acme.body().path("role").asText()).isEqualTo("operator");
    assertThat(acme.body().path("tenant").asText()).isEqualTo("acme");
    assertThat(acme.body().path("may_operate").asBoolean()).isTrue();
    assertThat(acme.body().path("may_administer").asBoolean()).isFalse();
    assertThat(new Http(base).get("/jobs/me").body().path("tenant").isNull()).isTrue();
    assertProblem(new Http(base, null).get("/jobs/me"), 401, "Authorization", null);
  }
}
