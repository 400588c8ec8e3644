package io.jobline.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.api.auth.Role;
import io.jobline.wire.Json;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * {@code GET /openapi.json}: the OpenAPI 3.1 document of every route.
 *
 * <p>The document is kept as data in {@code openapi/openapi.json} beside the classes. Two parts of
 * it are filled in when it is first read, so that they cannot drift from what they describe: the
 * schemas of a job request and a run event, read from the JSON Schemas the wire uses, and what each
 * route needs of a token, read from the resources' annotations by {@link OpenApiAccess}.
 */
@Path("/openapi.json")
@Produces(MediaType.APPLICATION_JSON)
public final class OpenApiResource {
  private static final String DOCUMENT = "/openapi/openapi.json";

  private final ObjectNode document = build();

  @GET
  @RolesAllowed(Role.VIEWER_NAME)
  public JsonNode document() {
    return document;
  }

  static ObjectNode build() {
    ObjectNode doc = (ObjectNode) read(DOCUMENT);
    ObjectNode components = (ObjectNode) doc.get("components");
    ObjectNode schemas = Json.object();
    schemas.set("JobRequest", wireSchema("/schemas/job-request.schema.json"));
    schemas.set("RunEvent", wireSchema("/schemas/run-event.schema.json"));
    schemas.setAll((ObjectNode) components.get("schemas"));
    components.set("schemas", schemas);
    OpenApiAccess.describe((ObjectNode) doc.get("paths"));
    return doc;
  }

  /** A JSON Schema of the wire, without the keys that only make sense in a file of its own. */
  private static JsonNode wireSchema(String path) {
    ObjectNode schema = (ObjectNode) read(path);
    schema.remove("$schema");
    schema.remove("$id");
    return schema;
  }

  private static JsonNode read(String path) {
    try (InputStream in = OpenApiResource.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException(path + " is not on the class path");
      }
      return Json.mapper().readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
