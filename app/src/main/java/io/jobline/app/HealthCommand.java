package io.jobline.app;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code jobline health URL}: exit 0 when the health endpoint says healthy (for container health
 * checks).
 */
@Command(
    name = "health",
    mixinStandardHelpOptions = true,
    description = "Check a role's health endpoint; exit 0 if healthy, 1 if not.")
final class HealthCommand implements Callable<Integer> {
  @Parameters(
      index = "0",
      defaultValue = "http://localhost:5001/admin/healthcheck",
      description = "Health URL (default: ${DEFAULT-VALUE}).")
  String url;

  @Override
  public Integer call() {
    try {
      HttpResponse<String> r =
          HttpClient.newBuilder()
              .connectTimeout(Duration.ofSeconds(3))
              .build()
              .send(
                  HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                  HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 200) {
        return 0;
      }
      System.err.println(
          "jobline health: " + url + " says unhealthy (" + r.statusCode() + "): " + r.body());
      return 1;
    } catch (IllegalArgumentException e) {
      System.err.println("jobline health: '" + url + "' is not a URL (" + e.getMessage() + ")");
      return 1;
    } catch (Exception e) {
      System.err.println(
          "jobline health: nothing answers at "
              + url
              + " ("
              + CliFailure.reason(e)
              + ") — is the role running, and on that port?");
      return 1;
    }
  }
}
