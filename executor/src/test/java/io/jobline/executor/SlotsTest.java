package io.jobline.executor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SlotsTest {
  @Test
  void aTenantAtItsCapWaitsWhileAnotherTenantStarts() {
    Slots slots = new Slots(4, 2, 2);
    slots.take("a:1", "noop", "big", false);
    slots.take("b:1", "noop", "big", false);
    assertThat(slots.refusal("c:1", "noop", 0, "big", false)).isEqualTo(Slots.Refusal.TENANT_CAP);
    assertThat(slots.refusal("d:1", "noop", 0, "small", false)).isNull();
    slots.give("a:1", "noop", "big", false);
    assertThat(slots.refusal("c:1", "noop", 0, "big", false)).as("a slot came back").isNull();
  }

  @Test
  void aJobAtItsMaxConcurrencyWaitsAndZeroMeansNoCap() {
    Slots slots = new Slots(4, 2, 4);
    slots.take("a:1", "solo", "t1", false);
    assertThat(slots.refusal("b:1", "solo", 1, "t2", false)).isEqualTo(Slots.Refusal.JOB_CAP);
    assertThat(slots.refusal("b:1", "solo", 0, "t2", false)).isNull();
  }

  @Test
  void theSameRunAttemptNeverHoldsTwoSlots() {
    Slots slots = new Slots(4, 2, 4);
    slots.take("r:1", "noop", "t", false);
    assertThat(slots.holds("r:1")).isTrue();
    assertThat(slots.refusal("r:1", "noop", 0, "t", false)).isEqualTo(Slots.Refusal.DUPLICATE);
    assertThat(slots.refusal("r:2", "noop", 0, "t", false))
        .as("its next attempt is another key")
        .isNull();
  }

  @Test
  void theOverflowLaneGetsAtMostItsShareOfTheWorkersAndTheMainLaneTheRest() {
    Slots slots = new Slots(4, 2, 10);
    slots.take("o1:1", "noop", "big", true);
    slots.take("o2:1", "noop", "big", true);
    assertThat(slots.hasRoom(true)).isFalse();
    assertThat(slots.refusal("o3:1", "noop", 0, "big", true)).isEqualTo(Slots.Refusal.FULL);
    assertThat(slots.hasRoom(false)).isTrue();
    slots.take("m1:1", "noop", "small", false);
    slots.take("m2:1", "noop", "small", false);
    assertThat(slots.hasRoom(false)).isFalse();
    assertThat(slots.running()).isEqualTo(4);
    slots.give("o1:1", "noop", "big", true);
    assertThat(slots.hasRoom(true)).isTrue();
    assertThat(slots.running()).isEqualTo(3);
  }
}
