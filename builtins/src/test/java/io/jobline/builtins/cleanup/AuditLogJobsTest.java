package io.jobline.builtins.cleanup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.client.MongoCollection;
import io.jobline.builtins.Recording;
import io.jobline.builtins.TestResources;
import io.jobline.chain.Chain;
import io.jobline.job.JobException;
import io.jobline.schedule.Schedule;
import io.jobline.store.ChainStore;
import io.jobline.store.MongoChainStore;
import io.jobline.store.MongoScheduleStore;
import io.jobline.wire.Json;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditLogJobsTest {
  @TempDir Path dir;
  private final TestResources resources = new TestResources();
  private final AuditLogJobs jobs = new AuditLogJobs(resources);
  private MongoCollection<Document> log;

  @BeforeEach
  void entries() {
    resources.settings.auditLog.retentionDays = 30;
    resources.settings.auditLog.archiveDir = dir.resolve("archive").toString();
    resources.settings.batchSize = 4;
    log = resources.app().getCollection("audit_log");
    for (int i = 0; i < 10; i++) {
      log.insertOne(
          new Document("_id", "old-" + i)
              .append("action", "login")
              .append("user", "u" + i)
              .append("created_at", Date.from(TestResources.NOW.minus(Duration.ofDays(31 + i)))));
    }
    for (int i = 0; i < 3; i++) {
      log.insertOne(
          new Document("_id", "new-" + i)
              .append("action", "logout")
              .append("created_at", Date.from(TestResources.NOW.minus(Duration.ofDays(29)))));
    }
  }

  @AfterEach
  void close() {
    resources.close();
  }

  @Test
  void entriesWith64BitIdsAndNumbersAreArchivedWithTheirTypes() throws Exception {
    log.deleteMany(new Document());
    log.insertOne(
        new Document("_id", 9_000_000_000L)
            .append("bytes", 5L)
            .append("action", "upload")
            .append("created_at", Date.from(TestResources.NOW.minus(Duration.ofDays(40)))));

    Map<String, Object> result = jobs.archive(new Recording("audit-log-archive"));

    assertThat(result).containsEntry("deleted", Map.of("audit_log", 1L));
    @SuppressWarnings("unchecked")
    List<String> files = (List<String>) result.get("archive_files");
    Document archived = read(Path.of(files.get(0))).get(0);
    assertThat(archived.get("_id")).isEqualTo(9_000_000_000L);
    assertThat(archived.get("bytes")).isEqualTo(5L);
  }

  @Test
  void anEntryWhoseFieldsLookLikeExtendedJsonIsArchivedAndDeleted() throws Exception {
    // found by review: the archive read its file back as extended JSON, where a field such as
    // {"$date": "yesterday"} cannot be read; the job failed at that batch on every run, and the
    // audit log grew for good
    log.deleteMany(new Document());
    log.insertOne(
        new Document("_id", "odd")
            .append("q", new Document("$date", "yesterday"))
            .append("created_at", Date.from(TestResources.NOW.minus(Duration.ofDays(40)))));

    Map<String, Object> result = jobs.archive(new Recording("audit-log-archive"));

    assertThat(result).containsEntry("deleted", Map.of("audit_log", 1L));
    @SuppressWarnings("unchecked")
    List<String> files = (List<String>) result.get("archive_files");
    assertThat(Files.readAllBytes(Path.of(files.get(0)))).isNotEmpty();
    assertThat(log.countDocuments()).isZero();
  }

  private static List<Document> read(Path file) throws Exception {
    List<Document> docs = new ArrayList<>();
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(
                new GZIPInputStream(Files.newInputStream(file)), StandardCharsets.UTF_8))) {
      in.lines().forEach(l -> docs.add(Document.parse(l)));
    }
    return docs;
  }

  @Test
  void entriesPastRetentionAreWrittenToCompressedJsonLinesThenDeleted() throws Exception {
    Map<String, Object> result = jobs.archive(new Recording("audit-log-archive"));

    assertThat(result).containsEntry("deleted", Map.of("audit_log", 10L));
    @SuppressWarnings("unchecked")
    List<String> files = (List<String>) result.get("archive_files");
    assertThat(files)
        .hasSize(3)
        .allMatch(f -> f.endsWith(".jsonl.gz") && f.contains("audit_log-20260304T100000Z-run-1-"));
    List<Document> archived = new ArrayList<>();
    for (String f : files) {
      archived.addAll(read(Path.of(f)));
    }
    assertThat(archived)
        .extracting(d -> d.getString("_id"))
        .containsExactlyInAnyOrder(
            "old-0", "old-1", "old-2", "old-3", "old-4", "old-5", "old-6", "old-7", "old-8",
            "old-9");
    Document first =
        archived.stream().filter(d -> d.get("_id").equals("old-0")).findFirst().orElseThrow();
    assertThat(first.getDate("created_at").toInstant())
        .isEqualTo(TestResources.NOW.minus(Duration.ofDays(31)));
    assertThat(first.getString("user")).isEqualTo("u0");
    assertThat(log.find().map(d -> d.getString("_id")))
        .containsExactlyInAnyOrder("new-0", "new-1", "new-2");
    try (var leftovers = Files.list(dir.resolve("archive"))) {
      assertThat(leftovers).noneMatch(p -> p.toString().endsWith(".partial"));
    }
  }

  @Test
  void nothingIsDeletedWhenTheArchiveCannotBeWritten() throws Exception {
    Path notAFolder = Files.writeString(dir.resolve("file"), "x");
    resources.settings.auditLog.archiveDir = notAFolder.toString();

    assertThatThrownBy(() -> jobs.archive(new Recording("audit-log-archive")))
        .isInstanceOf(JobException.class)
        .hasMessageContaining("nothing of this batch was deleted");
    assertThat(log.countDocuments()).isEqualTo(13);
  }

  @Test
  void cleanupDeletesEntriesOlderThanTheRetentionWithoutArchiving() {
    Map<String, Object> result = jobs.cleanup(new Recording("cleanup_audit_log"));

    assertThat(result)
        .containsEntry("deleted", Map.of("audit_log", 10L))
        .containsEntry("cutoff", TestResources.NOW.minus(Duration.ofDays(30)).toString());
    assertThat(log.countDocuments()).isEqualTo(3);
    assertThat(dir.resolve("archive")).doesNotExist();
  }

  @Test
  void cleanupRefusesWhileTheArchiveIsScheduledAndDeletesOnceItIsPaused() throws Exception {
    // found by review: with both scheduled (archive at 02:00, cleanup at 03:00) the entries that
    // passed the retention between the two were deleted every day without being archived
    MongoScheduleStore schedules = new MongoScheduleStore(resources.database());
    schedules.save(
        Json.mapper()
            .readValue(
                "{\"job_name\":\"nightly-archive\",\"job_type\":\"audit-log-archive\","
                    + "\"cron_expression\":\"0 2 * * *\",\"timezone\":\"UTC\","
                    + "\"next_run_at\":\"2026-03-05T02:00:00Z\"}",
                Schedule.class));

    assertThatThrownBy(() -> jobs.cleanup(new Recording("cleanup_audit_log")))
        .isInstanceOf(JobException.class)
        .hasMessageContaining("nothing deleted: schedule 'nightly-archive' runs audit-log-archive")
        .hasMessageContaining("Pause or delete one of the two schedules");
    assertThat(log.countDocuments()).isEqualTo(13);

    Schedule read = schedules.find("nightly-archive").orElseThrow();
    schedules.change(read, read.withPaused(true), false);
    Map<String, Object> result = jobs.cleanup(new Recording("cleanup_audit_log"));

    assertThat(result).containsEntry("deleted", Map.of("audit_log", 10L));
  }

  @Test
  void cleanupRefusesWhileAScheduleRunsAChainWithTheArchiveAmongItsSteps() throws Exception {
    // found by review: only a schedule's own job and its `chain` list were looked at, so one
    // naming a declared chain that archives was missed, and unarchived entries were deleted
    new MongoChainStore(resources.database(), resources.clock())
        .save(
            Chain.linear(
                "nightly-maintenance", "", List.of("cleanup_job_runs", "audit-log-archive")),
            ChainStore.Source.API);
    new MongoScheduleStore(resources.database())
        .save(
            Json.mapper()
                .readValue(
                    "{\"job_name\":\"nightly\",\"job_type\":\"nightly-maintenance\","
                        + "\"cron_expression\":\"0 2 * * *\",\"timezone\":\"UTC\","
                        + "\"next_run_at\":\"2026-03-05T02:00:00Z\"}",
                    Schedule.class));

    assertThatThrownBy(() -> jobs.cleanup(new Recording("cleanup_audit_log")))
        .isInstanceOf(JobException.class)
        .hasMessageContaining("nothing deleted: schedule 'nightly' runs audit-log-archive");
    assertThat(log.countDocuments()).isEqualTo(13);
  }

  @Test
  void aRunIdHoldingASlashStillNamesOneFileInTheArchiveFolder() throws Exception {
    // found by review: the run id went into the file name as it was, "/" and all, and that run's
    // archive always failed (a folder that is not there)
    Map<String, Object> result =
        jobs.archive(new Recording("audit-log-archive").withRunId("tenant/a/../b"));

    assertThat(result).containsEntry("deleted", Map.of("audit_log", 10L));
    @SuppressWarnings("unchecked")
    List<String> files = (List<String>) result.get("archive_files");
    assertThat(files)
        .hasSize(3)
        .allSatisfy(f -> assertThat(Path.of(f).getParent()).isEqualTo(dir.resolve("archive")))
        .allSatisfy(f -> assertThat(f).contains("audit_log-20260304T100000Z-tenant_a_.._b-"));
    assertThat(AuditLogJobs.fileNamePart("tenant/a/../b"))
        .as("another id of the same letters makes another name")
        .isNotEqualTo(AuditLogJobs.fileNamePart("tenant_a_.._b"))
        .isNotEqualTo(AuditLogJobs.fileNamePart("tenant/a/.._b"));
    assertThat(AuditLogJobs.fileNamePart("x".repeat(512))).hasSizeLessThan(60);
  }

  @Test
  void anArchiveFileOfTheSameNameIsNeverReplaced() throws Exception {
    // found by review: the move into place used ATOMIC_MOVE, which replaces a file of that name
    Path archive = Files.createDirectories(dir.resolve("archive"));
    Path earlier =
        Files.writeString(
            archive.resolve("audit_log-20260304T100000Z-run-1-0001.jsonl.gz"), "an earlier one");

    assertThatThrownBy(() -> jobs.archive(new Recording("audit-log-archive")))
        .isInstanceOf(JobException.class)
        .hasMessageContaining(earlier + " exists already and is left as it is");

    assertThat(Files.readString(earlier)).isEqualTo("an earlier one");
    assertThat(log.countDocuments()).isEqualTo(13);
    try (var leftovers = Files.list(archive)) {
      assertThat(leftovers).containsExactly(earlier);
    }
  }
}
