package io.jobline.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.ws.rs.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.glassfish.jersey.server.model.Resource;
import org.glassfish.jersey.server.model.ResourceMethod;
import org.junit.jupiter.api.Test;

/** Every route the running API registers appears in the OpenAPI document it serves. */
class OpenApiTest {

  @Test
  void everyRegisteredRouteIsDocumented() {
    Standalone standalone = SharedStandalone.get();
    JsonNode doc = new Http(standalone.apiUrl()).get("/openapi.json").body();
    assertThat(doc.path("openapi").asText()).startsWith("3.");
    List<String> routes = new ArrayList<>();
    var config = standalone.environment().jersey().getResourceConfig();
    for (Resource resource : config.getResources()) {
      collect(resource, "", routes);
    }
    for (Object instance : config.getInstances()) {
      if (instance.getClass().isAnnotationPresent(Path.class)) {
        collect(Resource.from(instance.getClass()), "", routes);
      }
    }
    for (Class<?> type : config.getClasses()) {
      if (type.isAnnotationPresent(Path.class)) {
        collect(Resource.from(type), "", routes);
      }
    }

    assertThat(routes).hasSizeGreaterThan(20);
    List<String> missing = new ArrayList<>();
    for (String route : routes) {
      String[] parts = route.split(" ", 2);
      if (!doc.path("paths").path(parts[1]).has(parts[0])) {
        missing.add(route);
      }
    }
    assertThat(missing).as("routes missing from /openapi.json").isEmpty();
    assertThat(
            doc.path("components")
                .path("schemas")
                .path("JobRequest")
                .path("required")
                .get(0)
                .asText())
        .isEqualTo("job_name");
  }

  private static void collect(Resource resource, String prefix, List<String> routes) {
    String path = normalize(prefix + "/" + resource.getPath());
    for (ResourceMethod m : resource.getResourceMethods()) {
      routes.add(m.getHttpMethod().toLowerCase(Locale.ROOT) + " " + path);
    }
    for (Resource child : resource.getChildResources()) {
      collect(child, path, routes);
    }
  }

  private static String normalize(String path) {
    String p = path.replaceAll("/+", "/");
    return p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
  }
}
