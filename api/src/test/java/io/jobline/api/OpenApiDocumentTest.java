package io.jobline.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobline.api.auth.Caller;
import io.jobline.api.auth.Role;
import io.jobline.run.RunStatus;
import io.jobline.store.InMemoryRunStore;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI document says what the resources read: every query parameter and header, the fields a
 * run is shown with, and which request bodies take no other field. (The app's {@code OpenApiTest}
 * checks every registered route is in it.)
 */
class OpenApiDocumentTest {
  private final JsonNode doc = OpenApiResource.build();

  @Test
  void everyQueryParameterAndHeaderAResourceReadsIsDeclaredWithATypeAndADescription() {
    List<String> read = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    for (Class<?> resource : OpenApiAccess.RESOURCES) {
      for (Method m : resource.getMethods()) {
        String verb = verb(m);
        if (verb == null) {
          continue;
        }
        String path = path(resource, m);
        for (Parameter p : m.getParameters()) {
          String name;
          String in;
          if (p.isAnnotationPresent(QueryParam.class)) {
            name = p.getAnnotation(QueryParam.class).value();
            in = "query";
          } else if (p.isAnnotationPresent(HeaderParam.class)) {
            name = p.getAnnotation(HeaderParam.class).value();
            in = "header";
          } else {
            continue;
          }
          String where = verb + " " + path + " " + in + " " + name;
          read.add(where);
          if (!declared(doc.path("paths").path(path).path(verb), name, in)) {
            missing.add(where);
          }
        }
      }
    }
    assertThat(read).as("parameters the resources read").hasSizeGreaterThan(30);
    assertThat(missing).as("parameters missing from the OpenAPI document").isEmpty();
  }

  /** Whether {@code op} declares the parameter, with a type and a description. */
  private static boolean declared(JsonNode op, String name, String in) {
    for (JsonNode p : op.path("parameters")) {
      if (p.path("name").asText().equals(name) && p.path("in").asText().equals(in)) {
        return !p.path("schema").path("type").asText().isEmpty()
            && !p.path("description").asText().isBlank();
      }
    }
    return false;
  }

  @Test
  void theRunSchemaHasEveryFieldARunIsShownWith() {
    InMemoryRunStore store = new InMemoryRunStore(Clock.systemUTC());
    store.upsertAll(List.of(ApiRuns.run("r1", "acme", RunStatus.RUNNING, 2, 1, List.of())));
    RunsResource resource =
        ApiRuns.resource(
            store, null, new AcceptedRuns((id, caller) -> Optional.empty()), null, null);

    Set<String> shown =
        new HashSet<>(
            resource.show("r1", Callers.as(new Caller("ops", Role.VIEWER, null))).keySet());
    // (shown only while a retry is to come)
    shown.add("next_attempt");

    Set<String> documented = new HashSet<>();
    doc.path("components")
        .path("schemas")
        .path("Run")
        .path("properties")
        .fieldNames()
        .forEachRemaining(documented::add);
    assertThat(documented).containsAll(shown);
  }

  @Test
  void aRunNowBodyIsDocumentedWithTheFieldsTheServerTakesAndNoOther() {
    JsonNode runNow = doc.path("components").path("schemas").path("RunNow");
    Set<String> documented = new HashSet<>();
    runNow.path("properties").fieldNames().forEachRemaining(documented::add);
    assertThat(documented).isEqualTo(JobsResource.FIELDS);
    // the server refuses any other field with a 400
    for (String strict : List.of("RunNow", "ChainRunNow", "CronPreviewRequest")) {
      JsonNode others =
          doc.path("components").path("schemas").path(strict).path("additionalProperties");
      assertThat(others.isBoolean() && !others.asBoolean())
          .as(strict + " takes no other field")
          .isTrue();
    }
  }

  @Test
  void aStreamResumedFromTheEndOfARunIsDocumentedAsA204() {
    assertThat(
            doc.path("paths")
                .path("/jobs/runs/{run_id}/stream")
                .path("get")
                .path("responses")
                .has("204"))
        .isTrue();
  }

  private static String path(Class<?> resource, Method m) {
    String base = resource.getAnnotation(Path.class).value();
    Path sub = m.getAnnotation(Path.class);
    return sub == null ? base : base + (sub.value().startsWith("/") ? "" : "/") + sub.value();
  }

  private static String verb(Method m) {
    if (m.isAnnotationPresent(GET.class)) {
      return "get";
    } else if (m.isAnnotationPresent(POST.class)) {
      return "post";
    } else if (m.isAnnotationPresent(PATCH.class)) {
      return "patch";
    } else if (m.isAnnotationPresent(DELETE.class)) {
      return "delete";
    }
    return null;
  }
}
