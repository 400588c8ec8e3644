package io.jobline.builtins.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.jobline.wire.Json;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * The few BigQuery REST calls the client makes for an export, over a local HTTP server: tables
 * get/insert/patch/delete, resumable uploads of load jobs, query jobs and their results. Loads and
 * MERGEs are applied to in-memory tables so a test can see what BigQuery would hold.
 */
final class FakeBigQuery implements AutoCloseable {
  /** One request as received. */
  record Request(String method, String path, String query, String body) {
    @Override
    public String toString() {
      return method + " " + path;
    }
  }

  private static final Pattern TABLE =
      Pattern.compile("/bigquery/v2/projects/([^/]+)/datasets/([^/]+)/tables/([^/?]+)");
  private static final Pattern TABLES =
      Pattern.compile("/bigquery/v2/projects/([^/]+)/datasets/([^/]+)/tables");
  private static final Pattern SET_COLUMN =
      Pattern.compile("`([^`]+)` = S\\.`\\1`|`([^`]+)` = NULL");
  private static final Pattern MERGE = Pattern.compile("^MERGE `([^`]+)` T USING `([^`]+)` S");
  private static final Pattern DELETE =
      Pattern.compile("^DELETE FROM `([^`]+)` WHERE `_id` IN \\((.*)\\)$");
  private static final Pattern LITERAL = Pattern.compile("'((?:[^'\\\\]|\\\\.)*)'");
  private static final Pattern SWEEP =
      Pattern.compile(
          "^DELETE FROM `([^`]+)` WHERE `_jobline_tenant` = ("
              + LITERAL.pattern()
              + ")"
              + " AND `_jobline_resource` = ("
              + LITERAL.pattern()
              + ")"
              + " AND \\(`_jobline_pass` IS NULL OR `_jobline_pass` <> ("
              + LITERAL.pattern()
              + ")\\)$");
  final List<Request> requests = new CopyOnWriteArrayList<>();

  /** Table id (project.dataset.table) to its schema fields and its rows by _id. */
  final Map<String, ArrayNode> schemas = new ConcurrentHashMap<>();

  final Map<String, Map<String, ObjectNode>> rows = new ConcurrentHashMap<>();
  private final Map<String, ObjectNode> uploads = new ConcurrentHashMap<>();

  /** Per table loaded, the _ids more than one of its rows had. */
  private final Map<String, Set<String>> duplicates = new ConcurrentHashMap<>();

  private final Map<String, ObjectNode> jobs = new ConcurrentHashMap<>();
  private final AtomicInteger ids = new AtomicInteger();
  private final HttpServer server;

  FakeBigQuery() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  private final Map<String, Consumer<ArrayNode>> afterMerge = new ConcurrentHashMap<>();

  private final AtomicInteger mergesToFail = new AtomicInteger();

  /** Refuses the next merge, as BigQuery refuses a query job. */
  void failNextMerge() {
    failNextMerges(1);
  }

  /** Refuses the next {@code n} merges. */
  void failNextMerges(int n) {
    mergesToFail.set(n);
  }

  /**
   * Changes the schema of {@code table} (project.dataset.table) with the next merge into it, as
   * another client would right after it.
   */
  void afterNextMerge(String table, Consumer<ArrayNode> change) {
    afterMerge.put(table, change);
  }

  String host() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  List<String> calls() {
    return requests.stream().map(Request::toString).toList();
  }

  private void handle(HttpExchange ex) throws IOException {
    // (the client sends a PATCH, which HttpURLConnection cannot, as a POST saying so)
    String override = ex.getRequestHeaders().getFirst("X-HTTP-Method-Override");
    String method = override != null ? override : ex.getRequestMethod();
    String path = ex.getRequestURI().getPath();
    byte[] raw = ex.getRequestBody().readAllBytes();
    if ("gzip".equalsIgnoreCase(ex.getRequestHeaders().getFirst("Content-Encoding"))) {
      raw = new GZIPInputStream(new ByteArrayInputStream(raw)).readAllBytes();
    }
    String body = new String(raw, StandardCharsets.UTF_8);
    requests.add(new Request(method, path, ex.getRequestURI().getQuery(), body));
    try {
      route(ex, method, path, body);
    } catch (IOException | RuntimeException e) {
      send(ex, 500, error(500, e.toString()));
    }
  }

  private void route(HttpExchange ex, String method, String path, String body) throws IOException {
    Matcher table = TABLE.matcher(path);
    Matcher tables = TABLES.matcher(path);
    if (table.matches()) {
      String id = table.group(1) + "." + table.group(2) + "." + table.group(3);
      switch (method) {
        case "GET" -> {
          if (schemas.containsKey(id)) {
            send(ex, 200, tableJson(table.group(1), table.group(2), table.group(3)));
          } else {
            send(ex, 404, error(404, "Not found: Table " + id));
          }
        }
        case "PATCH", "PUT" -> {
          ArrayNode fields = (ArrayNode) Json.mapper().readTree(body).path("schema").path("fields");
          if (refusedTwice(ex, fields)) {
            return;
          }
          schemas.put(id, fields);
          send(ex, 200, tableJson(table.group(1), table.group(2), table.group(3)));
        }
        case "DELETE" -> {
          schemas.remove(id);
          rows.remove(id);
          send(ex, 204, null);
        }
        default -> send(ex, 405, error(405, method));
      }
    } else if (tables.matches() && method.equals("POST")) {
      JsonNode t = Json.mapper().readTree(body);
      if (refusedTwice(ex, t.path("schema").path("fields"))) {
        return;
      }
      JsonNode ref = t.path("tableReference");
      String id =
          ref.path("projectId").asText()
              + "."
              + ref.path("datasetId").asText()
              + "."
              + ref.path("tableId").asText();
      schemas.put(id, (ArrayNode) t.path("schema").path("fields"));
      rows.put(id, new LinkedHashMap<>());
      send(
          ex,
          200,
          tableJson(
              ref.path("projectId").asText(),
              ref.path("datasetId").asText(),
              ref.path("tableId").asText()));
    } else if (path.startsWith("/upload/bigquery/v2/projects/")
        && path.endsWith("/jobs")
        && method.equals("POST")) {
      String session = "s" + ids.incrementAndGet();
      uploads.put(session, (ObjectNode) Json.mapper().readTree(body));
      ex.getResponseHeaders().add("Location", host() + "/upload/session/" + session);
      send(ex, 200, "");
    } else if (path.startsWith("/upload/session/") && method.equals("PUT")) {
      ObjectNode job = uploads.remove(path.substring("/upload/session/".length()));
      load(job.path("configuration").path("load"), body);
      send(ex, 200, done(job).toString());
    } else if (path.matches("/bigquery/v2/projects/[^/]+/jobs") && method.equals("POST")) {
      ObjectNode job = (ObjectNode) Json.mapper().readTree(body);
      String sql = job.path("configuration").path("query").path("query").asText();
      Matcher merge = MERGE.matcher(sql);
      Matcher delete = DELETE.matcher(sql);
      if (MERGE.matcher(sql).find() && mergesToFail.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        send(ex, 400, error(400, "injected: the merge is refused"));
        return;
      }
      Matcher sweep = SWEEP.matcher(sql);
      if (sweep.find()) {
        // as BigQuery: the rows of the tenant and resource whose pass is another or none
        String tenant = unquote(sweep.group(2));
        String resource = unquote(sweep.group(4));
        Map<String, ObjectNode> target = rows.getOrDefault(sweep.group(1), new LinkedHashMap<>());
        int before = target.size();
        target
            .values()
            .removeIf(
                r ->
                    tenant.equals(r.path("_jobline_tenant").asText(null))
                        && resource.equals(r.path("_jobline_resource").asText(null))
                        && !unquote(sweep.group(6)).equals(r.path("_jobline_pass").asText(null)));
        ObjectNode out = done(job);
        ((ObjectNode) out.path("statistics"))
            .putObject("query")
            .put("numDmlAffectedRows", Integer.toString(before - target.size()));
        send(ex, 200, out.toString());
        return;
      }
      if (delete.find()) {
        Map<String, ObjectNode> target = rows.getOrDefault(delete.group(1), new LinkedHashMap<>());
        Matcher literal = LITERAL.matcher(delete.group(2));
        while (literal.find()) {
          target.remove(literal.group(1).replace("\\'", "'").replace("\\\\", "\\"));
        }
      }
      if (merge.find()) {
        Consumer<ArrayNode> change = afterMerge.remove(merge.group(1));
        if (change != null) {
          change.accept(schemas.get(merge.group(1))); // (done by someone else, after this merge)
        }
        Map<String, ObjectNode> target =
            rows.computeIfAbsent(merge.group(1), k -> new LinkedHashMap<>());
        if (duplicates.getOrDefault(merge.group(2), Set.of()).stream()
            .anyMatch(target::containsKey)) {
          // as BigQuery, once a table holds a row of a key two staged rows have
          send(
              ex,
              400,
              error(400, "UPDATE/MERGE must match at most one source row for each target row"));
          return;
        }
        // as BigQuery: a matched row's columns named in UPDATE SET take the staging row's
        // values, null where it has none; the others keep theirs
        List<String> set = new ArrayList<>();
        Matcher column = SET_COLUMN.matcher(sql);
        while (column.find()) {
          set.add(column.group(1) != null ? column.group(1) : column.group(2));
        }
        rows.getOrDefault(merge.group(2), Map.of())
            .forEach(
                (id, row) ->
                    target.merge(
                        id,
                        row.deepCopy(),
                        (old, now) -> {
                          set.forEach(
                              c -> old.set(c, now.path(c).isMissingNode() ? null : now.get(c)));
                          return old;
                        }));
      }
      send(ex, 200, done(job).toString());
    } else if (path.matches("/bigquery/v2/projects/[^/]+/jobs/[^/]+") && method.equals("GET")) {
      ObjectNode job = jobs.get(path.substring(path.lastIndexOf('/') + 1));
      send(ex, job == null ? 404 : 200, job == null ? error(404, "no job") : job.toString());
    } else if (path.matches("/bigquery/v2/projects/[^/]+/queries/[^/]+") && method.equals("GET")) {
      ObjectNode job = jobs.get(path.substring(path.lastIndexOf('/') + 1));
      ObjectNode result =
          Json.object()
              .put("kind", "bigquery#getQueryResultsResponse")
              .put("jobComplete", true)
              .put("totalRows", "0");
      result.set("jobReference", job.path("jobReference"));
      result.set("schema", Json.object().set("fields", Json.mapper().createArrayNode()));
      send(ex, 200, result.toString());
    } else {
      send(ex, 404, error(404, "unexpected call " + method + " " + path));
    }
  }

  private void load(JsonNode config, String ndjson) throws IOException {
    JsonNode ref = config.path("destinationTable");
    String id =
        ref.path("projectId").asText()
            + "."
            + ref.path("datasetId").asText()
            + "."
            + ref.path("tableId").asText();
    Map<String, ObjectNode> table =
        "WRITE_TRUNCATE".equals(config.path("writeDisposition").asText())
            ? new LinkedHashMap<>()
            : rows.computeIfAbsent(id, k -> new LinkedHashMap<>());
    Set<String> twice = new HashSet<>();
    for (String line : ndjson.split("\n")) {
      if (!line.isBlank()) {
        ObjectNode row = (ObjectNode) Json.mapper().readTree(line);
        if (table.put(row.path("_id").asText(), row) != null) {
          twice.add(row.path("_id").asText());
        }
      }
    }
    duplicates.put(id, twice);
    rows.put(id, table);
    schemas.put(id, (ArrayNode) config.path("schema").path("fields"));
  }

  private static String unquote(String literal) {
    return literal.substring(1, literal.length() - 1).replace("\\'", "'").replace("\\\\", "\\");
  }

  private ObjectNode done(ObjectNode job) {
    String id = "job_" + ids.incrementAndGet();
    ObjectNode ref =
        job.path("jobReference").isObject()
            ? (ObjectNode) job.path("jobReference").deepCopy()
            : Json.object();
    if (!ref.hasNonNull("jobId")) {
      ref.put("jobId", id);
    }
    ObjectNode out = job.deepCopy();
    out.set("jobReference", ref);
    out.put("id", ref.path("projectId").asText() + ":" + ref.path("jobId").asText());
    out.set("status", Json.object().put("state", "DONE"));
    out.set(
        "statistics",
        Json.object().put("creationTime", "1").put("startTime", "1").put("endTime", "2"));
    jobs.put(ref.path("jobId").asText(), out);
    return out;
  }

  /**
   * Answers 400 if {@code fields} names a column twice, without regard to case, as BigQuery does.
   */
  private boolean refusedTwice(HttpExchange ex, JsonNode fields) throws IOException {
    Set<String> names = new HashSet<>();
    for (JsonNode f : fields) {
      if (!names.add(f.path("name").asText().toLowerCase(Locale.ROOT))) {
        send(ex, 400, error(400, "Field " + f.path("name").asText() + " already exists"));
        return true;
      }
    }
    return false;
  }

  private String tableJson(String project, String dataset, String table) {
    ObjectNode t =
        Json.object()
            .put("kind", "bigquery#table")
            .put("id", project + ":" + dataset + "." + table);
    t.set(
        "tableReference",
        Json.object().put("projectId", project).put("datasetId", dataset).put("tableId", table));
    t.set(
        "schema", Json.object().set("fields", schemas.get(project + "." + dataset + "." + table)));
    t.put("type", "TABLE");
    return t.toString();
  }

  private static String error(int code, String message) {
    ObjectNode e = Json.object();
    ObjectNode inner = e.putObject("error").put("code", code).put("message", message);
    inner
        .putArray("errors")
        .addObject()
        .put("reason", code == 404 ? "notFound" : "internalError")
        .put("message", message);
    return e.toString();
  }

  private static void send(HttpExchange ex, int status, String body) throws IOException {
    if (body == null) {
      ex.sendResponseHeaders(status, -1);
      ex.close();
      return;
    }
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/json; charset=UTF-8");
    ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      ex.getResponseBody().write(bytes);
    }
    ex.close();
  }

  List<ObjectNode> rowsOf(String table) {
    return new ArrayList<>(rows.getOrDefault(table, Map.of()).values());
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
