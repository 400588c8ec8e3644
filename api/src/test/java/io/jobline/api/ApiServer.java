package io.jobline.api;

import io.dropwizard.core.server.SimpleServerFactory;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.jetty.HttpConnectorFactory;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * Resources served over HTTP on a free local port, by Dropwizard's Jetty and Jersey with the api's
 * problem mappers and body filters registered as the app registers them (no authentication: every
 * request acts as an unbound admin). For tests of what a raw request gets.
 */
final class ApiServer implements AutoCloseable {
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final Server server;
  private final String base;

  private ApiServer(Server server, String base) {
    this.server = server;
    this.base = base;
  }

  static ApiServer serving(Object... resources) throws Exception {
    Environment env = new Environment("jobline-api-test");
    ProblemMappers.all().forEach(env.jersey()::register);
    env.jersey().register(new BodySizeLimit());
    env.jersey().register(new UnreadBodyDrain());
    for (Object resource : resources) {
      env.jersey().register(resource);
    }
    HttpConnectorFactory http = new HttpConnectorFactory();
    http.setBindHost("127.0.0.1");
    http.setPort(0);
    SimpleServerFactory factory = new SimpleServerFactory();
    factory.setConnector(http);
    factory.setApplicationContextPath("/");
    factory.setRegisterDefaultExceptionMappers(false);
    Server server = factory.build(env);
    server.setErrorHandler(new ProblemErrorHandler());
    env.getApplicationContext().setErrorHandler(new ProblemErrorHandler());
    server.start();
    int port = ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    return new ApiServer(server, "http://127.0.0.1:" + port);
  }

  /** Sends {@code body} with {@code method} and exactly this {@code Content-Type}. */
  HttpResponse<String> send(String method, String path, String contentType, String body)
      throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Content-Type", contentType)
            .method(method, HttpRequest.BodyPublishers.ofString(body))
            .timeout(Duration.ofSeconds(10))
            .build();
    return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
  }

  /**
   * Sends a GET with these headers (name, value, …) and returns once the status and headers are in:
   * the body may be a stream that is still open.
   */
  HttpResponse<InputStream> get(String path, String... headers) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + path)).GET().timeout(Duration.ofSeconds(10));
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
  }

  @Override
  public void close() throws Exception {
    server.stop();
  }
}
