package io.jobline.history;

import io.jobline.run.RunRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a run's state within one Kafka record. Its changelog record is the run serialized; one over
 * the producer's 1 MB is refused, which stops the stream thread, and the thread started again folds
 * the same input and stops again, for good. The fold bounds each text it keeps, but not in bytes (a
 * character may take six in JSON), nor all of them together with a large result and params.
 *
 * <p>A run too large is kept as its stub ({@link RunState#stub}), as a run that is over is: what
 * the fold's moves depend on. MongoDB holds it whole (the state is written after it), and the next
 * input of the run is folded onto the run as MongoDB holds it, as for any stub; a cut copy kept
 * instead would have been written over MongoDB's whole one (found by review).
 */
final class StateFit {
  private static final Logger LOG = LoggerFactory.getLogger(StateFit.class);

  /** The largest run state written whole: under the producer's 1 MB, with room for the rest. */
  static final int MAX_BYTES = 900 * 1024;

  private StateFit() {}

  /**
   * {@code serde} whose serializer writes a run over {@link #MAX_BYTES} as its stub; there is no
   * cost for a run that fits.
   */
  static Serde<RunRecord> fitting(Serde<RunRecord> serde) {
    Serializer<RunRecord> whole = serde.serializer();
    Serializer<RunRecord> fits =
        (topic, run) -> {
          byte[] bytes = whole.serialize(topic, run);
          if (bytes == null || bytes.length <= MAX_BYTES || RunState.isStub(run)) {
            return bytes;
          }
          byte[] stub = whole.serialize(topic, RunState.stub(run));
          LOG.warn(
              "Run {}'s state was {} bytes, over the {} a Kafka record takes: kept as its stub"
                  + " ({} bytes); its next input is folded onto it as MongoDB holds it",
              run.runId(),
              bytes.length,
              MAX_BYTES,
              stub.length);
          return stub;
        };
    return Serdes.serdeFrom(fits, serde.deserializer());
  }
}
