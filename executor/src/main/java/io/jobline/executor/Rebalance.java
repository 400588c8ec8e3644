package io.jobline.executor;

import io.jobline.topic.FinishedOffsets;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the executor does when partitions come and go (on the poll thread, inside a poll): an
 * assigned partition waits for its lease; a revoked one commits what finished, hands its runs still
 * going over under claims of their own, and its lease with a note; a lost one is fenced and voided.
 */
final class Rebalance implements ConsumerRebalanceListener {
  private static final Logger LOG = LoggerFactory.getLogger(Rebalance.class);

  /**
   * The executor's own steps a rebalance takes: commit now (send the events waiting, commit the
   * open transaction), fence a partition lost (stop its runs, drop what they publish), and void the
   * open transaction if there is one (and read the owned partitions again), and forget the requests
   * of partitions no longer owned that wait to be moved aside (the next owner reads them).
   */
  record Steps(
      BooleanSupplier commitNow,
      Consumer<TopicPartition> fence,
      Runnable voidTransaction,
      Consumer<Collection<TopicPartition>> forgetMoves,
      Consumer<TopicPartition> voidEnds) {}

  private final String executorId;
  private final LaneConsumer consumer;
  private final Map<TopicPartition, OwnedPartition> owned;
  private final OffsetTracker offsets;
  private final Dispatcher dispatcher;
  private final Runs runs;
  private final LeaseKeeper leases;
  private final Steps steps;

  Rebalance(
      String executorId,
      LaneConsumer consumer,
      Map<TopicPartition, OwnedPartition> owned,
      OffsetTracker offsets,
      Dispatcher dispatcher,
      Runs runs,
      LeaseKeeper leases,
      Steps steps) {
    this.executorId = executorId;
    this.consumer = consumer;
    this.owned = owned;
    this.offsets = offsets;
    this.dispatcher = dispatcher;
    this.runs = runs;
    this.leases = leases;
    this.steps = steps;
  }

  @Override
  public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
    if (partitions.isEmpty()) {
      return;
    }
    Map<TopicPartition, OffsetAndMetadata> committed = null;
    try {
      committed = consumer.committed(new HashSet<>(partitions));
    } catch (RetriableException e) {
      // (thrown out of the poll, it stopped the poll loop for good: found by review)
      LOG.warn(
          "Executor {} could not read where {} stand: {}", executorId, partitions, e.toString());
    }
    for (TopicPartition tp : partitions) {
      OwnedPartition o = new OwnedPartition(tp);
      OffsetAndMetadata at = committed == null ? null : committed.get(tp);
      if (at != null) {
        o.skip.addAll(FinishedOffsets.decode(at.offset(), at.metadata()));
      }
      o.rewindOwed = committed == null; // read once where they stand is known
      owned.put(tp, o);
    }
    consumer.pause(partitions); // read once their lease is taken
    LOG.info("Executor {} was assigned {}", executorId, partitions);
  }

  /**
   * Commits what finished, hands runs still going over under claims of their own, and the leases
   * with a note.
   */
  @Override
  public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
    if (partitions.isEmpty()) {
      return;
    }
    dispatcher.revoke(partitions); // nothing more starts there; what waits goes to the next owner
    // each run still going on there continues under a claim of its own, so the next owner waits
    // for it; one that ended already has its end in the outbox, and goes out with the commit below
    Map<TopicPartition, Map<Long, String>> stillRunning = new HashMap<>();
    for (TopicPartition tp : partitions) {
      stillRunning.put(tp, runs.handOver(tp));
    }
    boolean committed = false;
    try {
      committed = steps.commitNow().getAsBoolean();
    } catch (RuntimeException e) {
      LOG.warn("Commit on revocation failed: {}", e.toString());
    }
    boolean done = committed; // (what finished here counts as finished only once committed)
    for (TopicPartition tp : partitions) {
      OwnedPartition o = owned.remove(tp);
      // the ends still waiting there missed the commit above (held while the partition was to be
      // read again, even if a failed commit read it again since: found by review), and their
      // offsets can no longer be committed here: the next owner runs them again, or publishes
      // from its claim the end of a run handed over
      steps.voidEnds().accept(tp);
      Map<Long, String> going = stillRunning.get(tp);
      LOG.info(
          "Executor {} hands {} over{}",
          executorId,
          tp,
          going.isEmpty()
              ? ""
              : " with " + going.size() + " run(s) still going on here under claims");
      if (o != null && o.leased) {
        leases.handOver(
            o,
            committed ? offsets.finishedSinceCommit(tp) : Set.of(),
            o.stillRunning(going, offset -> done && offsets.finishedHere(tp, offset)),
            offsets.committedOffset(tp));
      }
      offsets.forget(tp);
    }
    steps.forgetMoves().accept(partitions);
  }

  @Override
  public void onPartitionsLost(Collection<TopicPartition> partitions) {
    // another executor has them already: nothing done here since the last commit may be committed
    LOG.warn(
        "Executor {} lost {} (it was too slow to stay in its group, a long pause or a stall); its"
            + " runs there stop, and nothing it did there since its last commit counts",
        executorId,
        partitions);
    for (TopicPartition tp : partitions) {
      steps.fence().accept(tp);
      // the ends still waiting to go out of runs that ended there (not fenced: no longer running)
      // would go out alone, while their requests are run again by the new owner (found by review)
      steps.voidEnds().accept(tp);
      owned.remove(tp);
      offsets.forget(tp);
    }
    steps.forgetMoves().accept(partitions);
    steps.voidTransaction().run();
  }
}
