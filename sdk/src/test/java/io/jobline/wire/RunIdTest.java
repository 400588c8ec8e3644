package io.jobline.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class RunIdTest {
  @Test
  void aNewIdIsAVersion7UuidThatStartsWithItsTime() {
    long millis = 1_764_806_400_123L; // 2025-12-04T00:00:00.123Z
    UUID uuid = UUID.fromString(RunId.random(millis, new Random(7)).value());

    assertThat(uuid.version()).isEqualTo(7);
    assertThat(uuid.variant()).isEqualTo(2); // RFC 9562's variant (binary 10)
    assertThat(uuid.getMostSignificantBits() >>> 16).isEqualTo(millis);
  }

  @Test
  void idsMadeLaterSortAfterEarlierOnesAsText() {
    Random random = new Random(11);
    List<String> made = new ArrayList<>();
    for (long t = 1_000_000_000_000L; t < 1_000_000_000_000L + 5_000; t += 7) {
      made.add(RunId.random(t, random).value());
    }

    assertThat(made).isSorted();
  }

  @Test
  void idsOfTheSameMillisecondDiffer() {
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < 100_000; i++) {
      ids.add(RunId.random(Clock.systemUTC()).value());
    }

    assertThat(ids).hasSize(100_000);
  }

  @Test
  void theRandomBitsAreNotAllTheSame() {
    Random random = new Random(3);
    Set<Long> low = new HashSet<>();
    Set<Long> randA = new HashSet<>();
    for (int i = 0; i < 1_000; i++) {
      UUID uuid = UUID.fromString(RunId.random(42L, random).value());
      low.add(uuid.getLeastSignificantBits());
      randA.add(uuid.getMostSignificantBits() & 0x0FFFL);
    }

    assertThat(low).hasSize(1_000);
    assertThat(randA).as("12 bits: about 885 of 4,096 values").hasSizeGreaterThan(800);
  }
}
