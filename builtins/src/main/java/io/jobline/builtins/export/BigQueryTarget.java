package io.jobline.builtins.export;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.cloud.NoCredentials;
import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.BigQueryException;
import com.google.cloud.bigquery.BigQueryOptions;
import com.google.cloud.bigquery.Field;
import com.google.cloud.bigquery.FormatOptions;
import com.google.cloud.bigquery.Job;
import com.google.cloud.bigquery.JobId;
import com.google.cloud.bigquery.JobInfo;
import com.google.cloud.bigquery.JobInfo.CreateDisposition;
import com.google.cloud.bigquery.JobInfo.WriteDisposition;
import com.google.cloud.bigquery.JobStatistics;
import com.google.cloud.bigquery.QueryJobConfiguration;
import com.google.cloud.bigquery.Schema;
import com.google.cloud.bigquery.StandardSQLTypeName;
import com.google.cloud.bigquery.StandardTableDefinition;
import com.google.cloud.bigquery.Table;
import com.google.cloud.bigquery.TableDataWriteChannel;
import com.google.cloud.bigquery.TableId;
import com.google.cloud.bigquery.TableInfo;
import com.google.cloud.bigquery.WriteChannelConfiguration;
import io.jobline.job.JobException;
import io.jobline.wire.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * BigQuery through google-cloud-bigquery: the table is created if absent (schema from the rows) and
 * widened when new columns appear; each batch is loaded as newline-delimited JSON into a staging
 * table (truncated per batch) and MERGEd into the table by {@code _id}; the staging tables are
 * dropped at the end.
 */
final class BigQueryTarget implements ExportTarget {
  private static final DateTimeFormatter TIMESTAMP =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS 'UTC'").withZone(ZoneOffset.UTC);
  private static final Duration STAGING_LIFETIME = Duration.ofDays(1);
  private final BigQuery bigquery;
  private final Clock clock;
  private final String project;
  private final String dataset;
  private final String location;
  private final String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  private final Map<String, Map<String, ColumnType>> tables = new HashMap<>();

  /**
   * Per table, the columns a MERGE sets to null where its rows lack them: nullable ones without a
   * default value — the columns the export made, or any like them.
   */
  private final Map<String, Set<String>> clearable = new HashMap<>();

  private final Set<TableId> staging = new LinkedHashSet<>();

  BigQueryTarget(BigQuery bigquery, Clock clock, String project, String dataset, String location) {
    this.bigquery = bigquery;
    this.clock = clock;
    this.project = project;
    this.dataset = dataset;
    this.location = location;
  }

  /**
   * A client for the params' project: credentials from {@code credentials_path}, else the
   * environment's default ones; {@code host} (an emulator or test server) uses no credentials.
   */
  static BigQueryTarget open(ExportParams params, String host, Clock clock) throws IOException {
    BigQueryOptions.Builder options = BigQueryOptions.newBuilder().setProjectId(params.projectId());
    if (params.location() != null) {
      options.setLocation(params.location());
    }
    if (host != null && !host.isBlank()) {
      options.setHost(host).setCredentials(NoCredentials.getInstance());
    } else if (params.credentialsPath() != null && !params.credentialsPath().isBlank()) {
      try (InputStream in = Files.newInputStream(Path.of(params.credentialsPath()))) {
        options.setCredentials(GoogleCredentials.fromStream(in));
      }
    }
    return new BigQueryTarget(
        options.build().getService(),
        clock,
        params.projectId(),
        params.datasetId(),
        params.location());
  }

  @Override
  public List<Column> upsert(String table, List<Column> columns, List<Row> rows) throws Exception {
    // in the spelling the table has each column (BigQuery takes names without regard to case):
    // added again as another, it was refused
    readOrCreate(table, columns);
    rows = CaseFold.fold(tables.get(table).keySet(), rows).rows();
    List<Column> typed = widen(table, Column.infer(rows));
    TableId stage = TableId.of(project, dataset, table + "_staging_" + suffix);
    if (staging.add(stage)) {
      // expires by itself should this run die before dropping it
      bigquery.create(
          TableInfo.newBuilder(stage, StandardTableDefinition.of(schema(typed)))
              .setExpirationTime(clock.millis() + STAGING_LIFETIME.toMillis())
              .build());
    }
    load(stage, typed, rows);
    List<String> cleared = Column.lacking(clearable.getOrDefault(table, Set.of()), typed);
    query(merge(table, stage, typed, cleared));
    return typed;
  }

  /** A table that is not there: asking for it tells whether BigQuery answers. */
  private static final String PROBE = "jobline_reachable_probe";

  @Override
  public boolean reachable() {
    try {
      bigquery.getTable(TableId.of(project, dataset, PROBE)); // (null: not there, as expected)
      return true;
    } catch (BigQueryException e) {
      return false;
    }
  }

  @Override
  public boolean namesIgnoreCase() {
    return true;
  }

  /** Reads the table's columns once, or creates it with {@code columns} if it does not exist. */
  private void readOrCreate(String name, List<Column> columns) {
    Map<String, ColumnType> known = tables.get(name);
    TableId id = TableId.of(project, dataset, name);
    if (known == null) {
      known = new LinkedHashMap<>();
      Table existing = bigquery.getTable(id);
      Set<String> clear = new HashSet<>();
      if (existing == null) {
        bigquery.create(TableInfo.of(id, StandardTableDefinition.of(schema(columns))));
        for (Column c : columns) {
          known.put(c.name(), c.type());
          clear.add(c.name());
        }
      } else {
        Schema schema = existing.getDefinition().getSchema();
        if (schema != null) {
          for (Field f : schema.getFields()) {
            known.put(f.getName(), fromBigQuery(f.getType().getStandardType()));
            if (f.getMode() != Field.Mode.REQUIRED && f.getDefaultValueExpression() == null) {
              clear.add(f.getName());
            }
          }
        }
      }
      clear.remove(Column.KEY);
      clearable.put(name, clear);
      tables.put(name, known);
    }
  }

  /** Adds the columns the table lacks; returns {@code columns} typed as the table has them. */
  private List<Column> widen(String name, List<Column> columns) {
    TableId id = TableId.of(project, dataset, name);
    List<Column> missing =
        columns.stream().filter(c -> !tables.get(name).containsKey(c.name())).toList();
    if (!missing.isEmpty()) {
      Table existing = bigquery.getTable(id);
      List<Field> fields = new ArrayList<>(existing.getDefinition().getSchema().getFields());
      // against the table as it is now: another run (a tenant's, fanned out with this one) may
      // have added a column since this one read it, which added again was refused on every batch
      // (found by review)
      // (without regard to case, as BigQuery names columns: one another run added in another
      // spelling is the same column, which its queries find in any)
      Set<String> there = new HashSet<>();
      fields.forEach(f -> there.add(f.getName().toLowerCase(Locale.ROOT)));
      List<Column> adding =
          missing.stream().filter(c -> !there.contains(c.name().toLowerCase(Locale.ROOT))).toList();
      try {
        if (!adding.isEmpty()) {
          adding.forEach(c -> fields.add(field(c)));
          existing.toBuilder()
              .setDefinition(StandardTableDefinition.of(Schema.of(fields)))
              .build()
              .update();
        }
      } catch (RuntimeException e) {
        tables.remove(name); // (read again with the next batch)
        clearable.remove(name);
        throw e;
      }
      for (Field f : existing.getDefinition().getSchema().getFields()) {
        if (!tables.get(name).containsKey(f.getName())) {
          tables.get(name).put(f.getName(), fromBigQuery(f.getType().getStandardType()));
          if (f.getMode() != Field.Mode.REQUIRED && f.getDefaultValueExpression() == null) {
            clearable.get(name).add(f.getName()); // (as the columns read with the table)
          }
        }
      }
      adding.forEach(c -> tables.get(name).put(c.name(), c.type()));
      adding.forEach(c -> clearable.get(name).add(c.name()));
    }
    Map<String, ColumnType> types = tables.get(name);
    return columns.stream()
        .map(c -> new Column(c.name(), types.getOrDefault(c.name(), c.type())))
        .toList();
  }

  private void load(TableId stage, List<Column> columns, List<Row> rows)
      throws IOException, InterruptedException {
    WriteChannelConfiguration config =
        WriteChannelConfiguration.newBuilder(stage)
            .setFormatOptions(FormatOptions.json())
            .setSchema(schema(columns))
            .setCreateDisposition(CreateDisposition.CREATE_IF_NEEDED)
            .setWriteDisposition(WriteDisposition.WRITE_TRUNCATE)
            .build();
    // every row as JSON first: rows that do not fit their columns throw before the upload begins
    List<byte[]> lines = new ArrayList<>(rows.size());
    for (Object[] values : Row.values(rows, columns)) {
      lines.add(json(values, columns).getBytes(StandardCharsets.UTF_8));
    }
    JobId jobId = JobId.newBuilder().setProject(project).setLocation(location).build();
    TableDataWriteChannel writer = bigquery.writer(jobId, config);
    try (OutputStream out = Channels.newOutputStream(writer)) {
      for (byte[] line : lines) {
        out.write(line);
        out.write('\n');
      }
    }
    finish(writer.getJob(), "load of " + rows.size() + " rows into " + stage.getTable());
  }

  private Job query(String sql) throws InterruptedException {
    JobId jobId = JobId.newBuilder().setProject(project).setLocation(location).build();
    Job job =
        bigquery.create(
            JobInfo.of(
                jobId, QueryJobConfiguration.newBuilder(sql).setUseLegacySql(false).build()));
    return finish(job, sql.substring(0, sql.indexOf(' ')));
  }

  @Override
  public void delete(String table, List<String> ids) throws Exception {
    if (ids.isEmpty() || bigquery.getTable(TableId.of(project, dataset, table)) == null) {
      return;
    }
    // in statements of at most MAX_DELETE_IDS: a query's text is limited in length
    for (int from = 0; from < ids.size(); from += MAX_DELETE_IDS) {
      query(deleteSql(table, ids.subList(from, Math.min(ids.size(), from + MAX_DELETE_IDS))));
    }
  }

  @Override
  public long deleteNotWrittenBy(String table, Pass pass) throws Exception {
    Table existing = bigquery.getTable(TableId.of(project, dataset, table));
    Schema schema = existing == null ? null : existing.getDefinition().getSchema();
    if (schema == null
        || !has(schema, Column.TENANT)
        || !has(schema, Column.RESOURCE)
        || !has(schema, Column.PASS)) {
      return 0; // (no export since they were added has written a row to it)
    }
    Job done = query(sweepSql(table, pass));
    Long deleted =
        done.getStatistics() instanceof JobStatistics.QueryStatistics stats
            ? stats.getNumDmlAffectedRows()
            : null;
    return deleted == null ? -1 : deleted;
  }

  private static boolean has(Schema schema, String column) {
    return schema.getFields().stream().anyMatch(f -> f.getName().equalsIgnoreCase(column));
  }

  /** The DELETE of the rows of the pass's tenant and resource that it did not write. */
  String sweepSql(String table, Pass pass) {
    return "DELETE FROM "
        + quote(project + "." + dataset + "." + table)
        + " WHERE "
        + quote(Column.TENANT)
        + " = "
        + literal(pass.tenant())
        + " AND "
        + quote(Column.RESOURCE)
        + " = "
        + literal(pass.resource())
        + " AND ("
        + quote(Column.PASS)
        + " IS NULL OR "
        + quote(Column.PASS)
        + " <> "
        + literal(pass.id())
        + ")";
  }

  /** The most ids one DELETE names. */
  static final int MAX_DELETE_IDS = 1_000;

  /** The DELETE of the rows of these ids, each id a quoted string literal. */
  String deleteSql(String table, List<String> ids) {
    return "DELETE FROM "
        + quote(project + "." + dataset + "." + table)
        + " WHERE "
        + quote(Column.KEY)
        + " IN ("
        + ids.stream().map(BigQueryTarget::literal).collect(Collectors.joining(", "))
        + ")";
  }

  /** A quoted string literal. */
  private static String literal(String text) {
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }

  private static Job finish(Job job, String what) throws InterruptedException {
    Job done = job == null ? null : job.waitFor();
    if (done == null) {
      throw new JobException("BigQuery " + what + ": the job no longer exists");
    }
    if (done.getStatus().getError() != null) {
      throw new JobException(
          "BigQuery " + what + " failed: " + done.getStatus().getError().getMessage());
    }
    return done;
  }

  /** The MERGE of a staging table into the table, keyed by {@code _id}. */
  String merge(String table, TableId stage, List<Column> columns, List<String> cleared) {
    String names = columns.stream().map(c -> quote(c.name())).collect(Collectors.joining(", "));
    String values =
        columns.stream().map(c -> "S." + quote(c.name())).collect(Collectors.joining(", "));
    List<String> sets = new ArrayList<>();
    columns.stream()
        .filter(c -> !c.name().equals(Column.KEY))
        .forEach(c -> sets.add(quote(c.name()) + " = S." + quote(c.name())));
    cleared.forEach(c -> sets.add(quote(c) + " = NULL"));
    String updates = String.join(", ", sets);
    return "MERGE "
        + quote(project + "." + dataset + "." + table)
        + " T USING "
        + quote(project + "." + dataset + "." + stage.getTable())
        + " S ON T."
        + quote(Column.KEY)
        + " = S."
        + quote(Column.KEY)
        + (updates.isEmpty() ? "" : " WHEN MATCHED THEN UPDATE SET " + updates)
        + " WHEN NOT MATCHED THEN INSERT ("
        + names
        + ") VALUES ("
        + values
        + ")";
  }

  private static String quote(String identifier) {
    return "`" + identifier.replace("\\", "\\\\").replace("`", "\\`") + "`";
  }

  private static String json(Object[] values, List<Column> columns) throws IOException {
    ObjectNode node = Json.object();
    for (int k = 0; k < values.length; k++) {
      Column c = columns.get(k);
      Object v = values[k];
      if (v instanceof Instant i) {
        node.put(c.name(), TIMESTAMP.format(i));
      } else {
        node.set(c.name(), Json.mapper().valueToTree(v));
      }
    }
    return Json.mapper().writeValueAsString(node);
  }

  private static Schema schema(List<Column> columns) {
    return Schema.of(columns.stream().map(BigQueryTarget::field).toList());
  }

  private static Field field(Column c) {
    StandardSQLTypeName type =
        switch (c.type()) {
          case STRING -> StandardSQLTypeName.STRING;
          case INTEGER -> StandardSQLTypeName.INT64;
          case FLOAT -> StandardSQLTypeName.FLOAT64;
          case BOOLEAN -> StandardSQLTypeName.BOOL;
          case TIMESTAMP -> StandardSQLTypeName.TIMESTAMP;
        };
    Field.Builder f = Field.newBuilder(c.name(), type);
    return (c.name().equals(Column.KEY)
            ? f.setMode(Field.Mode.REQUIRED)
            : f.setMode(Field.Mode.NULLABLE))
        .build();
  }

  private static ColumnType fromBigQuery(StandardSQLTypeName type) {
    return switch (type) {
      case INT64 -> ColumnType.INTEGER;
      case FLOAT64, NUMERIC, BIGNUMERIC -> ColumnType.FLOAT;
      case BOOL -> ColumnType.BOOLEAN;
      case TIMESTAMP -> ColumnType.TIMESTAMP;
      default -> ColumnType.STRING;
    };
  }

  /** Drops the staging tables. */
  @Override
  public void close() {
    for (TableId stage : staging) {
      try {
        bigquery.delete(stage);
      } catch (RuntimeException e) {
        // a staging table left behind is truncated by the next run's first load of that table
      }
    }
  }
}
