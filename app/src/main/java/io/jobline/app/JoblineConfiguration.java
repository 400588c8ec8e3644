package io.jobline.app;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.core.Configuration;
import io.dropwizard.validation.MinDuration;
import io.jobline.api.ApiLimits;
import io.jobline.api.RunStreams;
import io.jobline.api.auth.AuthSettings;
import io.jobline.executor.ExecutorSettings;
import io.jobline.executor.TenantSettings;
import io.jobline.history.HistorySettings;
import io.jobline.scheduler.SchedulerSettings;
import io.jobline.topic.KafkaSettings;
import io.jobline.topic.TopicSettings;
import io.jobline.wire.WireLimits;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.util.concurrent.TimeUnit;

/** The YAML configuration of every role: one file, each role reads its section. */
public class JoblineConfiguration extends Configuration {
  @Valid @NotNull @JsonProperty public KafkaSettings kafka = new KafkaSettings();
  @Valid @NotNull @JsonProperty public MongoSettings mongo = new MongoSettings();
  @Valid @NotNull @JsonProperty public TopicSettings topics = new TopicSettings();
  @Valid @NotNull @JsonProperty public JobsSettings jobs = new JobsSettings();
  @Valid @NotNull @JsonProperty public TenantSettings tenants = new TenantSettings();
  @Valid @NotNull @JsonProperty public ExecutorSettings executor = new ExecutorSettings();
  @Valid @NotNull @JsonProperty public SchedulerSettings scheduler = new SchedulerSettings();
  @Valid @NotNull @JsonProperty public HistorySettings history = new HistorySettings();
  @Valid @NotNull @JsonProperty public AuthSettings auth = new AuthSettings();
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
    @Valid @NotNull @JsonProperty public ApiLimits limits = new ApiLimits();

    /**
     * How often a live stream with nothing to say gets a {@code : heartbeat} comment. At least 1 s:
     * at 0 every open stream was sent one at each look for news.
     */
    @NotNull
    @MinDuration(value = 1, unit = TimeUnit.SECONDS)
    @JsonProperty
    public io.dropwizard.util.Duration streamHeartbeat = io.dropwizard.util.Duration.seconds(15);

    /**
     * How long a live stream's client may leave what it was sent untaken (it stopped reading, or
     * its network is stuck) before it is cut off and its slot freed.
     */
    @NotNull
    @MinDuration(value = 1, unit = TimeUnit.SECONDS)
    @JsonProperty
    public io.dropwizard.util.Duration streamStall = io.dropwizard.util.Duration.seconds(20);

    /** How live streams poll, probe and beat, from these settings. */
    public RunStreams.Timing streamTiming() {
      RunStreams.Timing d = RunStreams.Timing.DEFAULT;
      return new RunStreams.Timing(
          d.poll(),
          d.probe(),
          java.time.Duration.ofMillis(streamHeartbeat.toMilliseconds()),
          d.notFound(),
          d.longest(),
          java.time.Duration.ofMillis(streamStall.toMilliseconds()));
    }
  }
}
