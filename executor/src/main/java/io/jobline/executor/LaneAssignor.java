package io.jobline.executor;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.TopicPartition;

/**
 * Gives every executor an even share of <em>each</em> lane, keeping partitions where they are.
 *
 * <p>Kafka's cooperative-sticky assignor balances the number of partitions a member holds over all
 * its topics together, so with two lanes an executor can end up holding mostly overflow partitions
 * and few of the main lane (whose runs then wait on the others). This assignor balances topic by
 * topic: of a topic's {@code n} partitions each of its {@code m} members holds {@code n / m} or one
 * more. Within that quota a member keeps what it holds; only the surplus moves.
 *
 * <p>The lanes share partition numbers (a tenant's requests move to the overflow partition of the
 * same number), so the overflow partition {@code p} goes, where it can, to another executor than
 * the main partition {@code p}: the executor that moves a tenant's backlog aside is then not also
 * the one that must run all of it.
 *
 * <p>It follows the cooperative protocol: a partition that changes hands is first only taken from
 * its owner (who revokes it and rejoins), and given to its new owner in the rebalance after that,
 * so no partition is ever held by two executors and a rebalance stops only the partitions that
 * move. The decision is a pure function ({@link #assign(Map, Map)}), tested without a broker.
 */
public final class LaneAssignor implements ConsumerPartitionAssignor {
  /** The name members agree on in the group protocol. */
  public static final String NAME = "jobline-lanes";

  /**
   * What one member asks for: its topics, the partitions it holds and the generation it held them
   * in.
   */
  record Member(Set<String> topics, List<TopicPartition> owned, int generation) {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<RebalanceProtocol> supportedProtocols() {
    return List.of(RebalanceProtocol.COOPERATIVE, RebalanceProtocol.EAGER);
  }

  @Override
  public ByteBuffer subscriptionUserData(Set<String> topics) {
    return null;
  }

  @Override
  public void onAssignment(Assignment assignment, ConsumerGroupMetadata metadata) {
    // nothing to remember: the owned partitions and generation come with every subscription
  }

  @Override
  public GroupAssignment assign(Cluster metadata, GroupSubscription subscriptions) {
    Map<String, Member> members = new HashMap<>();
    Map<String, Integer> partitionCounts = new HashMap<>();
    subscriptions
        .groupSubscription()
        .forEach(
            (id, s) -> {
              members.put(
                  id,
                  new Member(
                      Set.copyOf(s.topics()), s.ownedPartitions(), s.generationId().orElse(-1)));
              for (String topic : s.topics()) {
                Integer count = metadata.partitionCountForTopic(topic);
                if (count != null) {
                  partitionCounts.put(topic, count);
                }
              }
            });
    Map<String, Assignment> out = new HashMap<>();
    assign(members, partitionCounts)
        .forEach((id, partitions) -> out.put(id, new Assignment(partitions)));
    return new GroupAssignment(out);
  }

  /**
   * The assignment of every member, topic by topic.
   *
   * @param members by member id
   * @param partitionCounts the number of partitions of each topic that exists
   */
  static Map<String, List<TopicPartition>> assign(
      Map<String, Member> members, Map<String, Integer> partitionCounts) {
    // a partition claimed by two members (one missed a rebalance) belongs to the later generation
    Map<TopicPartition, String> owner = new HashMap<>();
    Map<TopicPartition, Integer> ownerGeneration = new HashMap<>();
    Set<TopicPartition> claimed = new HashSet<>();
    new TreeMap<>(members)
        .forEach(
            (id, m) -> {
              for (TopicPartition tp : m.owned()) {
                claimed.add(tp);
                if (m.generation() > ownerGeneration.getOrDefault(tp, Integer.MIN_VALUE)) {
                  owner.put(tp, id);
                  ownerGeneration.put(tp, m.generation());
                }
              }
            });
    Map<String, List<TopicPartition>> result = new TreeMap<>();
    members.keySet().forEach(id -> result.put(id, new ArrayList<>()));
    // the first topic (the main lane) is placed first; the others avoid its owners partition by
    // partition
    Map<Integer, String> firstOwners = null;
    int firstCount = -1;
    for (Map.Entry<String, Integer> topic : new TreeMap<>(partitionCounts).entrySet()) {
      List<String> subscribed =
          members.entrySet().stream()
              .filter(e -> e.getValue().topics().contains(topic.getKey()))
              .map(Map.Entry::getKey)
              .sorted()
              .toList();
      if (subscribed.isEmpty()) {
        continue;
      }
      Map<Integer, String> twins =
          firstOwners != null && firstCount == topic.getValue() ? firstOwners : Map.of();
      Map<String, List<TopicPartition>> share =
          shareOut(topic.getKey(), topic.getValue(), subscribed, owner, twins);
      if (firstOwners == null) {
        firstOwners = new HashMap<>();
        firstCount = topic.getValue();
        for (Map.Entry<String, List<TopicPartition>> e : share.entrySet()) {
          for (TopicPartition tp : e.getValue()) {
            firstOwners.put(tp.partition(), e.getKey());
          }
        }
      }
      share.forEach(
          (id, partitions) -> {
            for (TopicPartition tp : partitions) {
              // cooperative: a partition some member still holds goes to a new owner only after it
              // is given up
              if (!claimed.contains(tp) || id.equals(owner.get(tp))) {
                result.get(id).add(tp);
              }
            }
          });
    }
    return result;
  }

  /**
   * One topic's partitions over its members: each holds n/m or one more, keeping what it holds; of
   * what it holds and what it is given, a member prefers partitions whose twin ({@code twins}: the
   * owner of the same number in the first topic) is another member.
   */
  private static Map<String, List<TopicPartition>> shareOut(
      String topic,
      int count,
      List<String> subscribed,
      Map<TopicPartition, String> owner,
      Map<Integer, String> twins) {
    Map<String, TreeSet<Integer>> holding = new HashMap<>();
    subscribed.forEach(id -> holding.put(id, new TreeSet<>()));
    for (int p = 0; p < count; p++) {
      String o = owner.get(new TopicPartition(topic, p));
      if (o != null && holding.containsKey(o)) {
        holding.get(o).add(p);
      }
    }
    int base = count / subscribed.size();
    int extra = count % subscribed.size();
    // the members that hold the most get the extra places first, so the fewest partitions move
    List<String> byHolding = new ArrayList<>(subscribed);
    byHolding.sort(
        Comparator.comparing((String id) -> -holding.get(id).size()).thenComparing(id -> id));
    Map<String, Integer> quota = new HashMap<>();
    for (int i = 0; i < byHolding.size(); i++) {
      quota.put(byHolding.get(i), base + (i < extra ? 1 : 0));
    }
    Map<String, List<TopicPartition>> share = new HashMap<>();
    TreeSet<Integer> free = new TreeSet<>();
    for (int p = 0; p < count; p++) {
      free.add(p);
    }
    for (String id : subscribed) {
      List<TopicPartition> mine = new ArrayList<>();
      List<Integer> kept = new ArrayList<>(holding.get(id));
      kept.sort(Comparator.comparing((Integer p) -> id.equals(twins.get(p))).thenComparing(p -> p));
      for (int p : kept) {
        if (mine.size() < quota.get(id)) {
          mine.add(new TopicPartition(topic, p));
          free.remove(p);
        }
      }
      share.put(id, mine);
    }
    for (String id : subscribed) {
      List<TopicPartition> mine = share.get(id);
      while (mine.size() < quota.get(id) && !free.isEmpty()) {
        Integer apart =
            free.stream().filter(p -> !id.equals(twins.get(p))).findFirst().orElse(free.first());
        free.remove(apart);
        mine.add(new TopicPartition(topic, apart));
      }
    }
    return share;
  }
}
