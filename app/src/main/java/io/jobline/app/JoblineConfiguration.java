package io.jobline.app;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.core.Configuration;
import io.jobline.executor.ExecutorSettings;
import io.jobline.history.HistorySettings;
import io.jobline.scheduler.SchedulerSettings;
import io.jobline.topic.KafkaSettings;
import io.jobline.topic.TopicSettings;
import io.jobline.wire.WireLimits;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

/** The YAML configuration of every role: one file, each role reads its section. */
public class JoblineConfiguration extends Configuration {
  @Valid @NotNull @JsonProperty public KafkaSettings kafka = new KafkaSettings();
  @Valid @NotNull @JsonProperty public MongoSettings mongo = new MongoSettings();
  @Valid @NotNull @JsonProperty public TopicSettings topics = new TopicSettings();
  @Valid @NotNull @JsonProperty public JobsSettings jobs = new JobsSettings();
  @Valid @NotNull @JsonProperty public io.jobline.executor.TenantSettings tenants = new io.jobline.executor.TenantSettings();
  @Valid @NotNull @JsonProperty public ExecutorSettings executor = new ExecutorSettings();
  @Valid @NotNull @JsonProperty public SchedulerSettings scheduler = new SchedulerSettings();
  @Valid @NotNull @JsonProperty public HistorySettings history = new HistorySettings();
  @Valid @NotNull @JsonProperty public io.jobline.api.auth.AuthSettings auth = new io.jobline.api.auth.AuthSettings();
  @Valid @NotNull @JsonProperty public ApiSettings api = new ApiSettings();
  @Valid @NotNull @JsonProperty public Limits limits = new Limits();

  /**
   * What every role accepts in a request, a record or a job's result (see {@link WireLimits}); give
   * every role of a deployment the same values.
   */
  public static class Limits {
    /** Deepest nesting of params, results and other JSON values a run carries (1 to 64). */
    @Min(1)
    @Max(WireLimits.LARGEST_MAX_DEPTH)
    @JsonProperty
    public int maxDepth = WireLimits.DEFAULT_MAX_DEPTH;
  }

  /** Settings of the api role. */
  public static class ApiSettings {
    @Valid @NotNull @JsonProperty public io.jobline.api.ApiLimits limits = new io.jobline.api.ApiLimits();

    /** How often a live stream with nothing to say gets a {@code : heartbeat} comment. */
    @NotNull @JsonProperty public io.dropwizard.util.Duration streamHeartbeat = io.dropwizard.util.Duration.seconds(15);

    /**
     * How long a live stream's client may leave what it was sent untaken (it stopped reading, or its
     * network is stuck) before it is cut off and its slot freed.
     */
    @NotNull
    @io.dropwizard.validation.MinDuration(value = 1, unit = java.util.concurrent.TimeUnit.SECONDS)
    @JsonProperty
    public io.dropwizard.util.Duration streamStall = io.dropwizard.util.Duration.seconds(20);

    /** How live streams poll, probe and beat, from these settings. */
    public io.jobline.api.RunStreams.Timing streamTiming() {
      io.jobline.api.RunStreams.Timing d = io.jobline.api.RunStreams.Timing.DEFAULT;
      return new io.jobline.api.RunStreams.Timing(d.poll(), d.probe(),
          java.time.Duration.ofMillis(streamHeartbeat.toMilliseconds()), d.notFound(), d.longest(),
          java.time.Duration.ofMillis(streamStall.toMilliseconds()));
    }
  }
}
