package io.jobline.builtins.export;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoCursor;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.Sorts;
import io.jobline.builtins.BuiltinSettings;
import io.jobline.builtins.export.ExportParams.ResourceConfig;
import io.jobline.job.Job;
import io.jobline.job.JobContext;
import io.jobline.job.JobException;
import io.jobline.job.JobResources;
import io.jobline.wire.Scope;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.bson.Document;
import org.bson.types.ObjectId;

/**
 * Built-in: exports a tenant's documents to a BI warehouse, with GDPR handling of personal fields.
 */
public class BiExport {
  /** At most this many error messages are kept per resource (all are counted). */
  static final int MAX_ERRORS_KEPT = 20;

  /** At most this many of a batch's documents that do not fit their columns are named. */
  static final int MAX_MISFITS_NAMED = 5;

  private final JobResources resources;

  /** Told of each document before it is shaped (tests: a document that cannot be). */
  private final Consumer<Document> shaping;

  public BiExport(JobResources resources) {
    this(resources, doc -> {});
  }

  BiExport(JobResources resources, Consumer<Document> shaping) {
    this.resources = resources;
    this.shaping = shaping;
  }

  /**
   * For each configured resource, reads the tenant's documents, shapes them into rows and upserts
   * them into the target table in batches keyed by document id ({@link RowKey}), so re-running
   * creates no duplicates; once a pass has read them all, the tenant's rows it did not write (of
   * documents deleted since) are deleted. Recommended schedule: {@code 0 1 * * *} with {@code
   * per_tenant}.
   */
  @Job(
      name = "bi-export",
      description =
          "Export a tenant's documents to BigQuery, Azure SQL or PostgreSQL with GDPR filtering",
      timeoutSeconds = 3600,
      retries = 2,
      perTenant = true,
      scope = Scope.TENANT,
      paramsSchema = "jobline/bi-export.params.json")
  public ExportSummary export(JobContext ctx) throws Exception {
    ExportParams params = ExportParams.from(ctx.params());
    if (ctx.tenantId() == null || ctx.tenantId().isBlank()) {
      throw new JobException("bi-export runs for one tenant; the run has no tenant id");
    }
    sharedTables(params)
        .ifPresent(
            shared -> {
              throw new JobException(shared);
            });
    BuiltinSettings settings = BuiltinSettings.of(resources);
    List<String> undeclared =
        params.configs().stream()
            .map(ResourceConfig::resource)
            .filter(r -> !settings.biExport.personalFields.containsKey(r))
            .distinct()
            .toList();
    if (!undeclared.isEmpty()) {
      throw new JobException(
          "bi-export exports only resources whose personal fields are declared; nothing was "
              + "exported. Declare them under jobs.builtins.biExport.personalFields (an empty list says a resource has "
              + "none) for: "
              + String.join(", ", undeclared));
    }
    List<RowShaper> shapers = new ArrayList<>();
    for (ResourceConfig c : params.configs()) {
      List<String> personal = settings.biExport.personalFields.get(c.resource());
      shapers.add(
          new RowShaper(
              c,
              personal,
              settings.biExport.anonymizedMarker,
              settings.biExport.hashKey,
              ctx.tenantId()));
    }
    List<ExportSummary.ResourceResult> results = new ArrayList<>();
    MongoDatabase jobline = resources.resource(MongoDatabase.class);
    // (per warehouse: one per target type made an export to a second warehouse on the same cron
    // export nothing whenever the other held it; give one warehouse one spelling, or two exports
    // into one table run at once and each deletes the rows the other wrote)
    String leaseKey =
        ctx.tenantId() + "|" + params.targetType().wire() + "|" + params.destination();
    Optional<ExportLease> taken =
        ExportLease.take(jobline, leaseKey, ctx.runId().value(), ctx.epoch(), resources.clock());
    if (taken.isEmpty()) {
      ctx.warning(
          "Another export of this tenant to this "
              + params.targetType().wire()
              + " warehouse is running (run "
              + ExportLease.holder(jobline, leaseKey)
              + "); this run exports nothing: two at once would each delete the rows the other"
              + " wrote");
      return new ExportSummary(params.targetType().wire(), 0, 0, 0, List.of());
    }
    ExportLease lease = taken.get();
    try {
      if (params.configs().stream().allMatch(c -> doneInThePass(ctx, params, c))) {
        endPass(ctx, params); // (a run stopped just after its pass's last resource was done)
      }
      int finished = 0;
      try (ExportTarget target = Targets.open(params, settings.biExport, resources.clock())) {
        for (int i = 0; i < params.configs().size() && !ctx.shouldStop(); i++) {
          ResourceExport export = new ResourceExport(ctx, settings, params, i, lease);
          results.add(export.run(shapers.get(i), target));
          finished += export.finished ? 1 : 0;
        }
      }
      if (finished == params.configs().size()) {
        endPass(ctx, params); // the pass is whole: the next run begins a new one
      }
    } finally {
      lease.release();
    }
    long exported = results.stream().mapToLong(ExportSummary.ResourceResult::exported).sum();
    long errors = results.stream().mapToLong(ExportSummary.ResourceResult::errorCount).sum();
    if (ctx.shouldStop()) {
      ctx.warning(
          "Stopped before the export finished ("
              + results.size()
              + " of "
              + params.configs().size()
              + " resources begun); running it again goes on where it stopped");
    }
    ctx.log(
        "Exported "
            + exported
            + " rows of "
            + results.size()
            + " resources to "
            + params.targetType().wire()
            + (errors > 0 ? " with " + errors + " errors" : ""));
    return new ExportSummary(params.targetType().wire(), results.size(), exported, errors, results);
  }

  /** The export of one resource: count, read in id order, shape, upsert batch by batch. */
  private final class ResourceExport {
    private final JobContext ctx;
    private final BuiltinSettings settings;
    private final ExportParams params;
    private final ResourceConfig config;
    private final int index;
    private final List<String> errors = new ArrayList<>();

    /** The columns {@link #warnOfMaskedValuesLeftOut} warned of. */
    private final Set<String> nulledColumns = new HashSet<>();

    /** The fields {@link #warnOfFieldsLeftOut} warned of. */
    private final Set<String> foldedColumns = new HashSet<>();

    private final List<String> deleted = new ArrayList<>();

    /** The keys of documents read since the last write that could not be shaped. */
    private final List<String> unshaped = new ArrayList<>();

    /** The collection read. */
    private MongoCollection<Document> source;

    /** This run's lease on the tenant's exports to the target type, renewed with every batch. */
    private final ExportLease lease;

    /** The pass this run writes rows of (as its progress note says, or a new one). */
    private Pass pass;

    /**
     * Whether this pass began with a run that marked its rows (with {@link Pass#id()}): one begun
     * by an earlier version wrote rows without its mark, which deleting those it did not write
     * would take.
     */
    private boolean marked;

    /**
     * The keys ids had in earlier exports where they differ from today's ({@link RowKey#earlier}),
     * of the documents read since the last write.
     */
    private final List<String> legacyKeys = new ArrayList<>();

    /**
     * Whether rows under old keys may be left from earlier exports (until one pass read the
     * resource whole with every write made, keys in today's form): a delete of them goes with each
     * batch till then.
     */
    private boolean sweepLegacyKeys;

    /**
     * Notes the keys earlier exports wrote for {@code doc}'s id, if rows may be left under them.
     */
    private void noteLegacyKey(Document doc) {
      if (sweepLegacyKeys) {
        legacyKeys.addAll(RowKey.earlier(doc.get("_id")));
      }
    }

    private long removed;

    /** Rows the end of the pass deleted, of documents deleted at the source; -1: some, unsaid. */
    private long swept;

    /** Whether a write failed since the pass's note last moved: the note stays before it. */
    private boolean failedSinceNote;

    /** Whether this resource was read to its end (its pass may then end whole). */
    private boolean finished;

    private long errorCount;
    private long failedRows;
    private long exported;
    private long skipped;
    private long read;
    private long total;

    ResourceExport(
        JobContext ctx,
        BuiltinSettings settings,
        ExportParams params,
        int index,
        ExportLease lease) {
      this.lease = lease;
      this.ctx = ctx;
      this.settings = settings;
      this.params = params;
      this.config = params.configs().get(index);
      this.index = index;
    }

    ExportSummary.ResourceResult run(RowShaper shaper, ExportTarget target) {
      source = settings.applicationDatabase(resources).getCollection(config.resource());
      var filter = Filters.eq(settings.biExport.tenantField, ctx.tenantId());
      total = source.countDocuments(filter);
      // a pass stopped part-way (its timeout, a cancel) goes on after the last document it wrote
      // when run again: begun again from the first, a tenant larger than one run could export
      // never had its last documents (nor their erasures) exported (found by review)
      String key = progressKey(ctx, params, config);
      Document saved = progress().find(Filters.eq("_id", key)).first();
      if (saved != null && Boolean.TRUE.equals(saved.get("done"))) {
        ctx.log(
            config.resource()
                + ": exported whole in the pass a run stopped on "
                + saved.get("at")
                + "; that pass goes on with the next resource");
        finished = true;
        return new ExportSummary.ResourceResult(
            config.resource(), config.targetTable(), 0, 0, List.of(), 0);
      }
      Object after = saved == null ? null : saved.get("after_id");
      String passId = saved == null ? UUID.randomUUID().toString() : saved.getString(PASS);
      marked = passId != null;
      pass =
          new Pass(
              ctx.tenantId(), config.resource(), marked ? passId : UUID.randomUUID().toString());
      Document keysSwept = legacySwept().find(Filters.eq("_id", key)).first();
      sweepLegacyKeys =
          keysSwept == null || !Integer.valueOf(RowKey.FORMAT).equals(keysSwept.get("keys"));
      // in the order the pass sorts, across types: `_id > after` took only ids of after's type
      var reading = after == null ? filter : Filters.and(filter, IdOrder.after(after));
      if (after != null) {
        read = source.countDocuments(Filters.and(filter, IdOrder.upTo(after)));
        ctx.log(
            config.resource()
                + ": going on after document "
                + after
                + ", where a run stopped on "
                + saved.get("at"));
      }
      report();
      List<Row> batch = new ArrayList<>(params.batchSize());
      Object last = after;
      try (MongoCursor<Document> docs =
          source
              .find(reading)
              .sort(Sorts.ascending("_id"))
              .batchSize(params.batchSize())
              // a batch the target is slow to take (a BigQuery load job queued, a throttled
              // server) must not cost the cursor its ten idle minutes; closed below, and a cursor
              // left by a dead run ends with its session
              .noCursorTimeout(true)
              .iterator()) {
        while (docs.hasNext() && !ctx.shouldStop()) {
          Document doc = docs.next();
          read++;
          last = doc.get("_id");
          noteLegacyKey(doc);
          if (Boolean.TRUE.equals(at(doc, settings.softDelete.flagField))) {
            skipped++;
            deleted.add(RowKey.of(doc.get("_id")));
          } else {
            try {
              shaping.accept(doc);
              batch.add(shaper.shape(doc).stamped(pass));
            } catch (RuntimeException e) {
              // its row from earlier exports goes, as a misfit's does (found by review: it was
              // kept, with the values of an erasure made in place since, a name among them)
              unshaped.add(RowKey.of(doc.get("_id")));
              error(
                  "document "
                      + doc.get("_id")
                      + " could not be shaped ("
                      + e
                      + "): it is left out, and its row deleted from "
                      + config.targetTable(),
                  1);
            }
          }
          if (batch.size() >= params.batchSize()
              || deleted.size() + unshaped.size() >= params.batchSize()) {
            writeAllUpTo(target, batch, key, last);
          }
        }
      }
      flush(target, batch);
      remove(target);
      dropLegacyKeys(target);
      finished = !ctx.shouldStop();
      // read whole from its first document, every write made in this run and, up to its note, in
      // the runs before it: every document there is has its row written by this pass
      boolean whole = finished && !failedSinceNote && marked;
      if (whole) {
        deleteRowsNotWritten(target);
      }
      if (sweepLegacyKeys && whole && !failedSinceNote) {
        // no old key is left
        legacySwept()
            .replaceOne(
                Filters.eq("_id", key),
                new Document("_id", key)
                    .append("keys", RowKey.FORMAT)
                    .append("at", Date.from(resources.clock().instant())),
                new ReplaceOptions().upsert(true));
      }
      saveProgress(key, last, finished);
      if (removed > 0) {
        ctx.log(
            config.resource()
                + ": removed the rows of "
                + removed
                + " soft-deleted documents from "
                + config.targetTable());
      }
      if (swept != 0) {
        ctx.log(
            config.resource()
                + ": removed the rows of "
                + (swept > 0 ? swept + " " : "")
                + "documents deleted from the source since an earlier export from "
                + config.targetTable());
      }
      if (errorCount > errors.size()) {
        errors.add("… and " + (errorCount - errors.size()) + " more errors (see the run's log)");
      }
      return new ExportSummary.ResourceResult(
          config.resource(),
          config.targetTable(),
          exported,
          skipped,
          List.copyOf(errors),
          errorCount);
    }

    /**
     * Writes the rows and erasures waiting, then notes that this pass has written every document up
     * to {@code last} (its _id).
     */
    private void writeAllUpTo(ExportTarget target, List<Row> batch, String key, Object last) {
      stillOurs();
      flush(target, batch);
      remove(target);
      dropLegacyKeys(target);
      saveProgress(key, last, false);
    }

    /**
     * Deletes the rows of this pass's tenant and resource that it did not write: those of documents
     * deleted at the source (found by review: a document deleted outright, as a GDPR erasure may
     * be, or purged before a pass saw its flag, kept its row for good).
     */
    private void deleteRowsNotWritten(ExportTarget target) {
      stillOurs();
      try {
        swept = target.deleteNotWrittenBy(config.targetTable(), pass);
      } catch (Exception e) {
        failed(e);
        error(
            "removing the rows of documents deleted from the source: "
                + e.getMessage()
                + " (the next whole pass removes them)",
            0);
        failIfGone(target, e);
      }
    }

    /**
     * Renews the lease, or stops this run when another export (a takeover of this run) has it.
     *
     * @throws JobException when the lease is another export's now
     */
    private void stillOurs() {
      if (!lease.renew()) {
        throw new JobException(
            "another export of this tenant to "
                + params.targetType().wire()
                + " took this one's lease over; this one stops here, deleting nothing");
      }
    }

    /** Notes how far this pass got: up to {@code last}, or ({@code done}) through the resource. */
    private void saveProgress(String key, Object last, boolean done) {
      if (failedSinceNote || (last == null && !done)) {
        return; // (a write failed since the last note: the next run goes on from that note)
      }
      progress()
          .replaceOne(
              Filters.eq("_id", key),
              new Document("_id", key)
                  .append("after_id", last)
                  .append("done", done)
                  .append(PASS, marked ? pass.id() : null)
                  .append("at", Date.from(resources.clock().instant())),
              new ReplaceOptions().upsert(true));
    }

    private void flush(ExportTarget target, List<Row> batch) {
      if (batch.isEmpty()) {
        return;
      }
      try {
        List<Row> rows = oneRowPerKey(batch);
        if (target.namesIgnoreCase()) {
          // one column of each name in any case (the target writes it in the table's spelling)
          CaseFold.Folded folded = CaseFold.fold(List.of(), rows);
          rows = folded.rows();
          warnOfFieldsLeftOut(folded.leftOut());
        }
        List<String> misfits = new ArrayList<>();
        Map<String, String> refused = new LinkedHashMap<>();
        writesLeft = isolationWrites(rows.size());
        writeOrIsolate(target, rows, misfits, refused);
        if (exported == 0 && !refused.isEmpty()) {
          // (no row taken by this run at all: the target may refuse the table, not a value; as
          // before, the pass is not whole and the next run goes on from before this batch)
          throw new IllegalStateException(refused.values().iterator().next());
        }
        refused.forEach(
            (id, why) ->
                error(
                    "document "
                        + id
                        + " was refused by the target ("
                        + why
                        + "): it is left out, and its row from earlier exports deleted",
                    1));
        misfits.addAll(refused.keySet());
        if (!misfits.isEmpty()) {
          // its row from earlier exports would keep values the document no longer has
          target.delete(config.targetTable(), misfits);
        }
      } catch (Exception e) {
        failed(e);
        error(
            "batch ending at document "
                + batch.get(batch.size() - 1).id()
                + " ("
                + batch.size()
                + " rows): "
                + e.getMessage(),
            batch.size());
        failIfGone(target, e);
      }
      batch.clear();
      report();
    }

    /**
     * Writes the rows, leaving out those that do not fit their columns ({@link Row.Misfits}); when
     * the target refuses the rows for another reason while it still answers, writes each half on
     * its own, down to the single rows it refuses twice, noted in {@code refused} with why. One
     * value a target takes in no row (a NaN for SQL Server's {@code FLOAT}, a year past 9999, a NUL
     * for PostgreSQL, an id longer than SQL Server's key) failed its whole batch on every pass: the
     * batch's other documents were never exported, and no pass was ever whole, so rows of deleted
     * documents stayed in the warehouse for good (found by review). Halving that runs out of {@link
     * #writesLeft} (a target refusing most rows) fails the batch as a whole, as does a target that
     * no longer answers.
     */
    private void writeOrIsolate(
        ExportTarget target, List<Row> rows, List<String> misfits, Map<String, String> refused)
        throws Exception {
      boolean triedAlone = false;
      while (!rows.isEmpty()) {
        try {
          writesLeft--;
          List<Column> typed = target.upsert(config.targetTable(), Column.infer(rows), rows);
          exported += rows.size();
          warnOfMaskedValuesLeftOut(typed, rows, target.namesIgnoreCase());
          return;
        } catch (Row.Misfits found) {
          // the rest of the batch goes on without them (found by review: the whole batch was
          // refused on every run, the pass never got past it, and the rows after it kept the
          // values earlier exports wrote, personal ones in clear among them)
          rows = without(rows, found);
          found.each().forEach(m -> misfits.add(m.id()));
          error(misfitsMessage(found), found.each().size());
        } catch (Exception e) {
          if (e instanceof InterruptedException
              || Thread.currentThread().isInterrupted()
              || !target.reachable()) {
            throw e;
          }
          if (rows.size() == 1 && triedAlone) {
            refused.put(rows.get(0).id(), String.valueOf(e.getMessage()));
            return;
          }
          if (writesLeft <= 0) {
            // (found by review: the rows left were refused, and good documents lost their rows;
            // the batch fails as a whole instead, and the next run goes on from before it)
            throw new IllegalStateException(
                "the target refused more of this batch than halving may look through: "
                    + e.getMessage(),
                e);
          }
          if (rows.size() == 1) {
            triedAlone = true; // (once more: a deadlock or a concurrent update passes)
            continue;
          }
          int half = rows.size() / 2;
          writeOrIsolate(target, List.copyOf(rows.subList(0, half)), misfits, refused);
          writeOrIsolate(target, List.copyOf(rows.subList(half, rows.size())), misfits, refused);
          return;
        }
      }
    }

    /** The writes the batch being written may still take to find the rows the target refuses. */
    private int writesLeft;

    /**
     * How many writes a batch of {@code n} rows may take to find the rows the target refuses:
     * enough for two of them (each found in about twice log₂ n halves, and tried twice), not the 2n
     * a batch the target refuses whole would take halved to the last row (on BigQuery, a load job
     * each).
     */
    private static int isolationWrites(int n) {
      int halvings = 32 - Integer.numberOfLeadingZeros(Math.max(1, n - 1));
      return 2 + 2 * (2 * halvings + 2);
    }

    /**
     * Fails the run if the target no longer answers after {@code e}: the rest of the pass would
     * fail the same way, and the run would end completed with nothing more written, its retries
     * unused (found by review). Retried, it goes on from where the pass got to.
     */
    private void failIfGone(ExportTarget target, Exception e) throws JobException {
      if (e instanceof InterruptedException || Thread.currentThread().isInterrupted()) {
        return; // (the run is being stopped: it goes on from its note when run again anyway)
      }
      if (!target.reachable()) {
        throw new JobException(
            config.resource()
                + ": "
                + params.targetType().wire()
                + " no longer answers ("
                + e.getMessage()
                + "); what was written before is kept, and the export goes on from there when"
                + " run again",
            e);
      }
    }

    /** What the run says of a batch's documents that did not fit their columns. */
    private String misfitsMessage(Row.Misfits found) {
      int n = found.each().size();
      String which =
          n == 1
              ? found.getMessage() + ": the document is left out, and its row"
              : n
                  + " documents do not fit their columns ("
                  + found.each().stream()
                      .limit(MAX_MISFITS_NAMED)
                      .map(Row.DoesNotFit::getMessage)
                      .collect(Collectors.joining("; "))
                  + (n > MAX_MISFITS_NAMED ? "; …" : "")
                  + "): they are left out, and their rows";
      return which
          + " deleted from "
          + config.targetTable()
          + " (change the column's type, or drop it to have the next export make it again)";
    }

    /**
     * The first of the batch's rows of each key: the others are left out, each with an error (found
     * by review: on BigQuery, two rows of one key in a batch made its MERGE fail on every run).
     * With keys that keep the id's type only an ObjectId and the string of its hex digits share
     * one.
     */
    private List<Row> oneRowPerKey(List<Row> batch) {
      Set<String> keys = new HashSet<>();
      List<Row> out = new ArrayList<>(batch.size());
      for (Row row : batch) {
        if (keys.add(row.id())) {
          out.add(row);
        } else {
          error(
              "two documents of one batch have the row key "
                  + row.id()
                  + " (an ObjectId and the string of its hex digits): the second is left out",
              1);
        }
      }
      return out.size() == batch.size() ? batch : out;
    }

    /** {@code rows} but those that did not fit; the failure itself if none of them is one. */
    private static List<Row> without(List<Row> rows, Row.Misfits found) {
      Set<String> ids = found.each().stream().map(Row.DoesNotFit::id).collect(Collectors.toSet());
      List<Row> out = rows.stream().filter(r -> !ids.contains(r.id())).toList();
      if (out.size() == rows.size()) {
        throw found; // (not rows of this batch: nothing to leave out)
      }
      return out;
    }

    /** Says once per field when a target that ignores case had no column of its own for it. */
    private void warnOfFieldsLeftOut(Set<String> leftOut) {
      for (String field : leftOut) {
        if (foldedColumns.add(field)) {
          ctx.warning(
              config.resource()
                  + ": column "
                  + field
                  + (field.equalsIgnoreCase(Column.KEY)
                      ? " is the key's name in another case, and "
                          + params.targetType().wire()
                          + " takes the two names as one: the field is left out of "
                          + config.targetTable()
                          + "; map it with flatten_fields to keep it"
                      : " differs only in case from another column of "
                          + config.targetTable()
                          + ", and "
                          + params.targetType().wire()
                          + " takes the two names as one column: where a document holds both, this"
                          + " one's value is left out; rename the field or map it with"
                          + " flatten_fields to keep both"));
        }
      }
    }

    /**
     * Says once per column when the masked values of a personal column went as null: the table has
     * the column typed for the values in clear (an export made it before the field was declared
     * personal), and the marker or hash does not fit it.
     */
    private void warnOfMaskedValuesLeftOut(
        List<Column> typed, List<Row> batch, boolean namesIgnoreCase) {
      for (Column c : typed) {
        // (the table's spelling of a name, where the target ignores case, may not be the batch's)
        Predicate<String> named =
            namesIgnoreCase ? n -> n.equalsIgnoreCase(c.name()) : n -> n.equals(c.name());
        if (c.type() != ColumnType.STRING
            && !nulledColumns.contains(c.name())
            && batch.stream()
                .anyMatch(
                    r ->
                        r.masked().stream()
                            .anyMatch(n -> named.test(n) && r.values().get(n) != null))) {
          nulledColumns.add(c.name());
          ctx.warning(
              config.resource()
                  + ": column "
                  + c.name()
                  + " of "
                  + config.targetTable()
                  + " holds a personal field but is "
                  + c.type().name().toLowerCase(Locale.ROOT)
                  + " in the target table, made before the field was declared personal: its"
                  + " values are written as null, not "
                  + (config.gdprMode() == GdprMode.HASH ? "hashed" : "as the marker")
                  + "; drop the column to have the next export make it again as text");
        }
      }
    }

    /**
     * Deletes the rows earlier exports wrote under the old keys of the ids read since (found by
     * review: left beside the rows under the new keys, and kept when the document was erased). A
     * key that is another document's today ({@code "7"}, of the number 7 once and of the string "7"
     * now) keeps its row.
     */
    private void dropLegacyKeys(ExportTarget target) throws JobException {
      if (legacyKeys.isEmpty()) {
        return;
      }
      try {
        List<Object> ids = new ArrayList<>(legacyKeys);
        legacyKeys.stream().filter(ObjectId::isValid).map(ObjectId::new).forEach(ids::add);
        Set<String> current = new HashSet<>();
        source
            .find(Filters.in("_id", ids))
            .projection(Projections.include("_id"))
            .forEach(d -> current.add(RowKey.of(d.get("_id"))));
        List<String> old = legacyKeys.stream().filter(k -> !current.contains(k)).toList();
        if (!old.isEmpty()) {
          target.delete(config.targetTable(), old);
        }
      } catch (Exception e) {
        failed(e);
        error("removing the rows of ids under their old keys: " + e.getMessage(), 0);
        failIfGone(target, e);
      }
      legacyKeys.clear();
    }

    /**
     * Rows of documents soft-deleted since an earlier export leave the target too (erasure), and so
     * do those of documents that could not be shaped.
     */
    private void remove(ExportTarget target) {
      removed += remove(target, deleted, "soft-deleted documents");
      remove(target, unshaped, "documents that could not be shaped");
    }

    /** Deletes the rows of {@code ids}; returns how many it deleted. */
    private int remove(ExportTarget target, List<String> ids, String which) {
      if (ids.isEmpty()) {
        return 0;
      }
      int n = ids.size();
      try {
        target.delete(config.targetTable(), ids);
      } catch (Exception e) {
        n = 0;
        failed(e);
        error(
            "removing the rows of "
                + ids.size()
                + " "
                + which
                + " (up to "
                + ids.get(ids.size() - 1)
                + "): "
                + e.getMessage(),
            ids.size());
        failIfGone(target, e);
      }
      ids.clear();
      return n;
    }

    /**
     * A write failed: the pass's note stays before it (the next run writes it again), and an
     * interrupt (the stop after a timeout) is kept for the job to see.
     */
    private void failed(Exception e) {
      failedSinceNote = true;
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
    }

    private void error(String message, int rows) {
      errorCount++;
      failedRows += rows;
      if (errors.size() < MAX_ERRORS_KEPT) {
        errors.add(message);
      }
      ctx.error(config.resource() + ": " + message);
    }

    private void report() {
      int resources = params.configs().size();
      double within = total == 0 ? 1 : (double) read / total;
      int pct = (int) ((index + within) * 100 / resources);
      ctx.progress(
          config.resource()
              + " -> "
              + config.targetTable()
              + ": "
              + exported
              + " of "
              + total
              + " exported"
              + (skipped > 0 ? ", " + skipped + " skipped" : "")
              + (failedRows > 0 ? ", " + failedRows + " failed" : ""),
          pct);
    }
  }

  /**
   * Why the configs cannot be exported together, if two name one table: its rows are keyed by
   * {@code _id} alone, so two resources' documents of one id overwrite each other's row, and one's
   * soft delete or erasure deletes the other's (found by review).
   */
  static Optional<String> sharedTables(ExportParams params) {
    Map<String, Integer> byTable = new HashMap<>();
    for (int i = 0; i < params.configs().size(); i++) {
      String table = params.configs().get(i).targetTable();
      Integer first = table == null ? null : byTable.putIfAbsent(table, i);
      if (first != null) {
        return Optional.of(
            "configs["
                + i
                + "].target_table '"
                + table
                + "' is the target of configs["
                + first
                + "] too; rows are keyed by _id alone, so two resources in one table would"
                + " overwrite and delete each other's rows; nothing was exported");
      }
    }
    return Optional.empty();
  }

  /** Where each tenant's passes over each resource stopped, if they did ({@code _id}: the pass). */
  static final String PROGRESS = "bi_export_progress";

  /** The field of a progress note holding its pass's id ({@link Pass#id()}). */
  private static final String PASS = "pass";

  /** See {@link #legacySwept()}. */
  static final String LEGACY_SWEPT = "bi_export_legacy_keys_swept";

  /** The pass of a tenant's documents of one resource into one table of one warehouse. */
  private static String progressKey(JobContext ctx, ExportParams params, ResourceConfig config) {
    return withoutDestination(ctx, params, config) + "|" + params.destination();
  }

  /** The key of such a pass before it named the warehouse (its note is deleted as a pass ends). */
  private static String withoutDestination(
      JobContext ctx, ExportParams params, ResourceConfig config) {
    return ctx.tenantId()
        + "|"
        + config.resource()
        + "|"
        + params.targetType().wire()
        + "|"
        + config.targetTable();
  }

  /** Whether the pass of {@code config} was read to its end in a pass not yet whole. */
  private boolean doneInThePass(JobContext ctx, ExportParams params, ResourceConfig config) {
    Document note = progress().find(Filters.eq("_id", progressKey(ctx, params, config))).first();
    return note != null && Boolean.TRUE.equals(note.get("done"));
  }

  private void endPass(JobContext ctx, ExportParams params) {
    for (ResourceConfig c : params.configs()) {
      progress()
          .deleteMany(
              Filters.in("_id", progressKey(ctx, params, c), withoutDestination(ctx, params, c)));
    }
  }

  private MongoCollection<Document> progress() {
    return resources.resource(MongoDatabase.class).getCollection(PROGRESS);
  }

  /**
   * The exports (by the key of their progress note) whose rows under old keys are all deleted: a
   * pass read the resource whole since, with every write made, its keys in the form {@code keys}
   * ({@link RowKey#FORMAT}).
   */
  private MongoCollection<Document> legacySwept() {
    return resources.resource(MongoDatabase.class).getCollection(LEGACY_SWEPT);
  }

  /**
   * The value at a dot path of {@code doc} (null if any step is missing or not a document): a flag
   * field given as a path ({@code meta.deleted}) was read as a top-level name, so soft-deleted
   * documents were exported (found by review).
   */
  static Object at(Document doc, String path) {
    Object value = doc;
    for (String step : path.split("\\.", -1)) {
      if (!(value instanceof Document d)) {
        return null;
      }
      value = d.get(step);
    }
    return value;
  }
}
