package io.jobline.job;

import io.jobline.wire.Scope;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares a method as a Jobline job. The method takes a {@link JobContext} and returns any
 * JSON-serialisable value (or nothing); throwing fails the run. Its class needs a no-argument
 * constructor and must sit in a package listed under {@code jobs.packages}.
 *
 * <pre>{@code
 * public class Billing {
 *   @Job(name = "settlement", description = "Settle a period", timeoutSeconds = 600, retries = 2)
 *   public Map<String, Object> settle(JobContext ctx) { ... }
 * }
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Job {
  /** The job's unique name, used in requests and schedules. */
  String name();

  /** One line saying what the job does, shown in the catalogue. */
  String description() default "";

  /** After this many seconds the run is asked to stop and then ends {@code timed_out}. */
  int timeoutSeconds() default 300;

  /** How many times a failed run is tried again (so up to {@code retries + 1} attempts). */
  int retries() default 0;

  /** True to fan one request out into one run per active tenant of the tenant directory. */
  boolean perTenant() default false;

  /** Which tenants a run acts on: its own, its own plus all descendants, or none (system). */
  Scope scope() default Scope.TENANT;

  /** Runs of this job at once per executor; 0 means no limit. */
  int maxConcurrency() default 0;

  /** A JSON Schema for the params: inline JSON, or a classpath resource path ending in .json. */
  String paramsSchema() default "";
}
