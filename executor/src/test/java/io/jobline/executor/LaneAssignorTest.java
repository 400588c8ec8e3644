package io.jobline.executor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class LaneAssignorTest {
  private static final String MAIN = "jobline.requests";
  private static final String OVERFLOW = "jobline.requests.overflow";
  private static final Set<String> BOTH = Set.of(MAIN, OVERFLOW);
  private static final Map<String, Integer> TWELVE_EACH = Map.of(MAIN, 12, OVERFLOW, 12);

  private static List<TopicPartition> partitions(String topic, int from, int to) {
    return IntStream.range(from, to).mapToObj(p -> new TopicPartition(topic, p)).toList();
  }

  private static long count(List<TopicPartition> partitions, String topic) {
    return partitions.stream().filter(tp -> tp.topic().equals(topic)).count();
  }

  /**
   * Rebalances as the cooperative protocol does until nothing changes: each round starts from what
   * the last gave.
   */
  private static Map<String, List<TopicPartition>> settle(
      Map<String, List<TopicPartition>> holding, Map<String, Integer> counts) {
    Map<String, List<TopicPartition>> now = holding;
    for (int round = 1; round <= 5; round++) {
      Map<String, LaneAssignor.Member> members = new HashMap<>();
      Map<String, List<TopicPartition>> current = now;
      current.forEach((id, owned) -> members.put(id, new LaneAssignor.Member(BOTH, owned, 1)));
      Map<String, List<TopicPartition>> next = LaneAssignor.assign(members, counts);
      assertCooperative(members, next);
      if (next.equals(now)) {
        return next;
      }
      now = next;
    }
    throw new AssertionError("the assignment did not settle within 5 rebalances: " + now);
  }

  /** No partition goes to two members, nor to a new owner while another member still holds it. */
  private static void assertCooperative(
      Map<String, LaneAssignor.Member> members, Map<String, List<TopicPartition>> result) {
    Set<TopicPartition> given = new HashSet<>();
    result.forEach(
        (id, partitions) -> {
          for (TopicPartition tp : partitions) {
            assertThat(given.add(tp)).as("%s given twice", tp).isTrue();
            boolean heldByAnother =
                members.entrySet().stream()
                    .anyMatch(e -> !e.getKey().equals(id) && e.getValue().owned().contains(tp));
            boolean heldByItself = members.get(id).owned().contains(tp);
            assertThat(!heldByAnother || heldByItself)
                .as("%s given to %s while another executor still holds it", tp, id)
                .isTrue();
          }
        });
  }

  @Test
  void eachExecutorGetsAnEvenShareOfEachLaneNotJustOfAllPartitions() {
    Map<String, List<TopicPartition>> start = new HashMap<>();
    for (String id : List.of("a", "b", "c")) {
      start.put(id, List.of());
    }
    Map<String, List<TopicPartition>> result = settle(start, TWELVE_EACH);
    result.forEach(
        (id, partitions) -> {
          assertThat(count(partitions, MAIN)).as("%s's main-lane partitions", id).isEqualTo(4);
          assertThat(count(partitions, OVERFLOW)).as("%s's overflow partitions", id).isEqualTo(4);
        });
  }

  @Test
  void anExecutorHoldingOnlyOverflowPartitionsIsGivenItsShareOfTheMainLane() {
    // what the cooperative-sticky assignor left in place: balanced in number, not by lane
    Map<String, List<TopicPartition>> start = new HashMap<>();
    start.put("a", partitions(MAIN, 0, 12));
    start.put("b", partitions(OVERFLOW, 0, 12));
    Map<String, List<TopicPartition>> result = settle(start, TWELVE_EACH);
    assertThat(count(result.get("a"), MAIN)).isEqualTo(6);
    assertThat(count(result.get("b"), MAIN)).isEqualTo(6);
    assertThat(count(result.get("a"), OVERFLOW)).isEqualTo(6);
    assertThat(count(result.get("b"), OVERFLOW)).isEqualTo(6);
    assertThat(result.get("a").stream().filter(tp -> tp.topic().equals(MAIN)))
        .as("a keeps six of the main-lane partitions it held")
        .allMatch(start.get("a")::contains);
    assertThat(result.get("b").stream().filter(tp -> tp.topic().equals(OVERFLOW)))
        .as("b keeps six of the overflow partitions it held")
        .allMatch(start.get("b")::contains);
  }

  @Test
  void aJoiningExecutorTakesOnlyItsShareAndTheOthersKeepTheRest() {
    Map<String, List<TopicPartition>> start = new HashMap<>();
    List<TopicPartition> a = new ArrayList<>(partitions(MAIN, 0, 6));
    a.addAll(partitions(OVERFLOW, 0, 6));
    List<TopicPartition> b = new ArrayList<>(partitions(MAIN, 6, 12));
    b.addAll(partitions(OVERFLOW, 6, 12));
    start.put("a", a);
    start.put("b", b);
    start.put("c", List.of());
    Map<String, List<TopicPartition>> result = settle(start, TWELVE_EACH);
    for (String id : List.of("a", "b", "c")) {
      assertThat(count(result.get(id), MAIN)).isEqualTo(4);
      assertThat(count(result.get(id), OVERFLOW)).isEqualTo(4);
    }
    assertThat(a)
        .as("a kept 8 of its 12 partitions; only the surplus moved")
        .containsAll(result.get("a"));
    assertThat(b).containsAll(result.get("b"));
  }

  @Test
  void aPartitionBothClaimIsTheLaterGenerationsAndTheStaleClaimantGivesItUp() {
    TopicPartition p0 = new TopicPartition(MAIN, 0);
    Map<String, LaneAssignor.Member> members = new HashMap<>();
    members.put("stale", new LaneAssignor.Member(Set.of(MAIN), List.of(p0), 3));
    members.put("current", new LaneAssignor.Member(Set.of(MAIN), List.of(p0), 4));
    Map<String, List<TopicPartition>> result = LaneAssignor.assign(members, Map.of(MAIN, 1));
    assertThat(result.get("current")).containsExactly(p0);
    assertThat(result.get("stale")).isEmpty();
  }

  @Test
  void randomGroupsAlwaysSettleBalancedPerLaneWithoutAPartitionHeldTwice() {
    Random random = new Random(20261201);
    for (int trial = 0; trial < 300; trial++) {
      int memberCount = 1 + random.nextInt(5);
      int partitionCount = 1 + random.nextInt(16);
      Map<String, Integer> counts = Map.of(MAIN, partitionCount, OVERFLOW, partitionCount);
      Map<String, List<TopicPartition>> start = new HashMap<>();
      for (int m = 0; m < memberCount; m++) {
        start.put("m" + m, new ArrayList<>());
      }
      // a random disjoint holding, as a group that changed members leaves it
      for (String topic : List.of(MAIN, OVERFLOW)) {
        for (int p = 0; p < partitionCount; p++) {
          int who = random.nextInt(memberCount + 1);
          if (who < memberCount) {
            start.get("m" + who).add(new TopicPartition(topic, p));
          }
        }
      }
      Map<String, List<TopicPartition>> result = settle(start, counts);
      Set<TopicPartition> all = new HashSet<>();
      result.values().forEach(all::addAll);
      assertThat(all).as("trial %d: every partition is held", trial).hasSize(2 * partitionCount);
      for (String topic : List.of(MAIN, OVERFLOW)) {
        long most = result.values().stream().mapToLong(l -> count(l, topic)).max().orElseThrow();
        long least = result.values().stream().mapToLong(l -> count(l, topic)).min().orElseThrow();
        assertThat(most - least)
            .as("trial %d: %s is shared evenly: %s", trial, topic, result)
            .isLessThanOrEqualTo(1);
      }
    }
  }

  /** Which member holds each partition number of a topic. */
  private static Map<Integer, String> owners(
      Map<String, List<TopicPartition>> result, String topic) {
    Map<Integer, String> out = new HashMap<>();
    result.forEach(
        (id, partitions) ->
            partitions.stream()
                .filter(tp -> tp.topic().equals(topic))
                .forEach(tp -> out.put(tp.partition(), id)));
    return out;
  }

  @Test
  void theOverflowPartitionOfANumberGoesToAnotherExecutorThanItsMainLaneTwin() {
    // a tenant's backlog moves to the overflow partition of its own number: the executor moving it
    // aside should not also be the one that has to run all of it
    Map<String, List<TopicPartition>> fresh = new HashMap<>();
    fresh.put("a", List.of());
    fresh.put("b", List.of());
    Map<String, List<TopicPartition>> result = settle(fresh, Map.of(MAIN, 6, OVERFLOW, 6));
    Map<Integer, String> main = owners(result, MAIN);
    Map<Integer, String> overflow = owners(result, OVERFLOW);
    for (int p = 0; p < 6; p++) {
      assertThat(overflow.get(p)).as("overflow-%d", p).isNotEqualTo(main.get(p));
    }
    // and when a second executor joins one that held everything
    Map<String, List<TopicPartition>> alone = new HashMap<>();
    List<TopicPartition> all = new ArrayList<>(partitions(MAIN, 0, 6));
    all.addAll(partitions(OVERFLOW, 0, 6));
    alone.put("a", all);
    alone.put("b", List.of());
    Map<String, List<TopicPartition>> joined = settle(alone, Map.of(MAIN, 6, OVERFLOW, 6));
    Map<Integer, String> main2 = owners(joined, MAIN);
    Map<Integer, String> overflow2 = owners(joined, OVERFLOW);
    for (int p = 0; p < 6; p++) {
      assertThat(overflow2.get(p)).as("after the join: overflow-%d", p).isNotEqualTo(main2.get(p));
    }
  }
}
