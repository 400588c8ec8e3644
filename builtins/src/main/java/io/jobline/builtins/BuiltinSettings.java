package io.jobline.builtins;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.mongodb.client.MongoDatabase;
import io.jobline.job.JobResources;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.util.List;
import java.util.Map;

/**
 * Settings of the built-in jobs, bound under {@code jobs.builtins} and validated at boot. The
 * collections they clean or export live in the application's database, which may differ from
 * Jobline's own; every collection and field name can be changed.
 */
public class BuiltinSettings {
  public static final int DEFAULT_AUDIT_RETENTION_DAYS = 365;
  public static final int DEFAULT_JOB_RUNS_RETENTION_DAYS = 90;
  public static final int DEFAULT_SOFT_DELETE_RETENTION_DAYS = 30;
  public static final int DEFAULT_BATCH_SIZE = 1000;

  /**
   * A MongoDB database name: one to 63 characters, none of those MongoDB refuses in one on any
   * platform ({@code / \\ . space " $ * < > : | ?} and NUL).
   */
  public static final String DATABASE_NAME = "[^/\\\\. \"$*<>:|?\\x00]{1,63}";

  /** What a database setting that is not a {@link #DATABASE_NAME} is told. */
  public static final String NOT_A_DATABASE_NAME =
      "must be a MongoDB database name: 1 to 63 characters, none of / \\ . space \" $ * < > : | ?";

  /** The built-in jobs are registered. */
  @JsonProperty public boolean enabled = true;

  /**
   * The application's database (tokens, audit log, soft-deleted documents, export sources);
   * Jobline's when unset.
   */
  @Pattern(regexp = DATABASE_NAME, message = NOT_A_DATABASE_NAME)
  @JsonProperty
  public String database;

  /**
   * Documents deleted per batch; between batches a job reports progress and checks whether to stop.
   * A batch whose ids take more than 2 MB is deleted in parts of that size, so that no command or
   * note of ids outgrows the 16 MB MongoDB takes, however long the ids.
   */
  @Min(1)
  @Max(100_000)
  @JsonProperty
  public int batchSize = DEFAULT_BATCH_SIZE;

  @Valid @NotNull @JsonProperty public Tokens tokens = new Tokens();

  @Valid @NotNull @JsonProperty public AuditLog auditLog = new AuditLog();

  @Valid @NotNull @JsonProperty public JobRuns jobRuns = new JobRuns();

  @Valid @NotNull @JsonProperty public SoftDelete softDelete = new SoftDelete();

  @Valid @NotNull @JsonProperty public BiExport biExport = new BiExport();

  /** The settings the process configured, or the defaults. */
  public static BuiltinSettings of(JobResources resources) {
    return resources.settings(BuiltinSettings.class).orElseGet(BuiltinSettings::new);
  }

  /** The application's database: {@link #database} on Jobline's MongoDB, or Jobline's own. */
  public MongoDatabase applicationDatabase(JobResources resources) {
    return database == null || database.isBlank()
        ? resources.resource(MongoDatabase.class)
        : resources.resource(MongoDatabase.class, database);
  }

  /** A collection whose documents expire at the date in one field. */
  public static class Expiring {
    @NotBlank @JsonProperty public String collection;

    /** A BSON date; documents whose date is in the past are expired. */
    @NotBlank @JsonProperty public String expiresField = "expires_at";

    public Expiring() {}

    Expiring(String collection) {
      this.collection = collection;
    }
  }

  /** Authentication sessions and codes. */
  public static class Tokens {
    @Valid @NotNull @JsonProperty
    public Expiring userAuthentication = new Expiring("UserAuthentication");

    @Valid @NotNull @JsonProperty
    public Expiring authenticationCode = new Expiring("AuthenticationCode");
  }

  /** The audit log and where its archive goes. */
  public static class AuditLog {
    @NotBlank @JsonProperty public String collection = "audit_log";

    /** A BSON date: when the entry was written. */
    @NotBlank @JsonProperty public String timestampField = "created_at";

    /**
     * Entries older than this are archived ({@code audit-log-archive}) or deleted ({@code
     * cleanup_audit_log}).
     */
    @Min(1)
    @JsonProperty
    public int retentionDays = DEFAULT_AUDIT_RETENTION_DAYS;

    /**
     * Folder the archive's gzip-compressed JSON Lines files are written to (a mounted object store
     * works too).
     */
    @NotBlank @JsonProperty public String archiveDir = "audit-archive";
  }

  /** Jobline's own run history. */
  public static class JobRuns {
    @Min(1)
    @JsonProperty
    public int retentionDays = DEFAULT_JOB_RUNS_RETENTION_DAYS;
  }

  /** Documents flagged deleted that are purged for good after a while. */
  public static class SoftDelete {
    /** Nothing is purged unless this is true. */
    @JsonProperty public boolean enabled;

    @Min(0)
    @JsonProperty
    public int retentionDays = DEFAULT_SOFT_DELETE_RETENTION_DAYS;

    @NotNull @JsonProperty public List<@NotBlank String> collections = List.of();

    @NotBlank @JsonProperty public String flagField = "is_deleted";

    /** A BSON date: when the document was flagged. */
    @NotBlank @JsonProperty public String deletedAtField = "deleted_at";
  }

  /** The BI export: how tenants' documents are found and which fields are personal. */
  public static class BiExport {
    /** One field name of a personal path: no space at either end, no wildcard or index. */
    private static final String FIELD_NAME = "[^\\s.*\\[\\]$]([^.*\\[\\]]*[^\\s.*\\[\\]])?";

    /** Field holding a document's tenant id in every exported collection. */
    @NotBlank @JsonProperty public String tenantField = "tenant_id";

    /**
     * Per resource (collection), the dot paths of personal fields that {@code gdpr_mode} applies
     * to; matched without regard to case ({@code email} masks {@code Email} too), and a path masks
     * what lies below it and the document or array it lies in.
     */
    @NotNull @JsonProperty
    public Map<
            @NotBlank String,
            @NotNull List<
                @NotBlank
                @Pattern(
                    regexp = "^(?!_id(\\.|$)).*",
                    message =
                        "_id (or a path into it) is the key of the exported rows and is always exported as it is;"
                            + " a collection keyed by a personal value cannot be exported")
                @Pattern(
                    regexp = "^" + FIELD_NAME + "(\\." + FIELD_NAME + ")*$",
                    message =
                        "must be a dot path of field names (no wildcard, array index, $, empty part"
                            + " or space at either end of a part): a path matching no field"
                            + " masks nothing")
                String>>
        personalFields = Map.of();

    /** Key of the keyed SHA-256 (HMAC) of {@code gdpr_mode = hash}; keep it secret and stable. */
    @Pattern(regexp = "^$|^.{16,}$", message = "must be empty or at least 16 characters")
    @JsonProperty
    public String hashKey = "";

    /** What {@code gdpr_mode = anonymize} writes instead of a personal value. */
    @NotNull @JsonProperty public String anonymizedMarker = "[redacted]";

    /** A BigQuery API root to use instead of Google's (an emulator), called without credentials. */
    @Pattern(regexp = "^https?://.+", message = "must be an http:// or https:// URL")
    @JsonProperty
    public String bigqueryHost;
  }
}
