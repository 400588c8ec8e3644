package io.jobline.topic;

import io.jobline.wire.Control;
import io.jobline.wire.JobRequest;
import io.jobline.wire.RunEvent;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Utils;

/** Every topic Jobline reads or writes. No topic name appears anywhere else. */
public final class Topics {
  private Topics() {}

  /** Job requests, keyed by tenant id ({@code _system} for system scope). */
  public static final Topic<String, JobRequest> REQUESTS =
      new Topic<>("jobline.requests", Serdes.String(), new JsonSerde<>(JobRequest.class));

  /** Run lifecycle, progress and log events, keyed by run id. */
  public static final Topic<String, RunEvent> EVENTS =
      new Topic<>("jobline.events", Serdes.String(), new JsonSerde<>(RunEvent.class));

  /** Cancel requests, keyed by run id. */
  public static final Topic<String, Control> CONTROL =
      new Topic<>("jobline.control", Serdes.String(), new JsonSerde<>(Control.class));

  /**
   * The overflow lane: requests of a tenant with a large backlog on an executor, moved there as
   * they came (keyed by tenant, same partition number), so the other tenants' requests behind them
   * on {@link #REQUESTS} are not held up. Executors read it after the main lane, on at most half
   * their workers.
   */
  public static final Topic<String, byte[]> REQUESTS_OVERFLOW =
      new Topic<>("jobline.requests.overflow", Serdes.String(), Serdes.ByteArray());

  /** Request records that could not be accepted, as they came, with the reason in headers. */
  public static final Topic<byte[], byte[]> REQUESTS_DLQ =
      new Topic<>("jobline.requests.dlq", Serdes.ByteArray(), Serdes.ByteArray());

  /**
   * Runs history could not store, as folded (JSON), keyed by run id, with the reason in headers; a
   * stripped copy of each is stored in their place.
   */
  public static final Topic<String, byte[]> HISTORY_DLQ =
      new Topic<>("jobline.history.dlq", Serdes.String(), Serdes.ByteArray());

  /**
   * The partition of {@code jobline.requests} a record keyed {@code tenantKey} goes to with Kafka's
   * default partitioner. Run events go to the same partition number of {@code jobline.events} when
   * the two topics have as many partitions, so history finds a run's request and events in one
   * task.
   */
  public static int requestPartition(String tenantKey, int partitions) {
    return Utils.toPositive(Utils.murmur2(tenantKey.getBytes(StandardCharsets.UTF_8))) % partitions;
  }

  /** The topics created at start. */
  public static List<Topic<?, ?>> all() {
    return List.of(REQUESTS, REQUESTS_OVERFLOW, EVENTS, CONTROL, REQUESTS_DLQ, HISTORY_DLQ);
  }

  /** Header names on DLQ records. */
  public static final String DLQ_REASON_HEADER = "jobline.dlq.reason";

  public static final String DLQ_SOURCE_HEADER = "jobline.dlq.source";

  /**
   * On a record of {@code jobline.requests.dlq}: what became of the run it names ({@link
   * DeadLetter#runOutcome}): {@code failed}, {@code elsewhere} or {@code none}.
   */
  public static final String DLQ_RUN_HEADER = "jobline.dlq.run";
}
