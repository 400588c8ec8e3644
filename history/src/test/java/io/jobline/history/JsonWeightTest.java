package io.jobline.history;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.wire.Json;
import org.junit.jupiter.api.Test;

/** The heap estimate of params grows with their text, their fields and their depth. */
class JsonWeightTest {
  @Test
  void textWeighsAByteACharacterOrTwoBeyondLatin1() {
    long small = JsonWeight.of(Json.mapper().getNodeFactory().textNode("x"));
    long latin = JsonWeight.of(Json.mapper().getNodeFactory().textNode("x".repeat(60_001)));
    long wide = JsonWeight.of(Json.mapper().getNodeFactory().textNode("ж".repeat(60_001)));

    assertThat(latin - small).isEqualTo(60_000);
    assertThat(wide - small).isEqualTo(2 * 60_001 - 1);
    assertThat(JsonWeight.of(null)).isZero();
    long binary = JsonWeight.of(Json.mapper().getNodeFactory().binaryNode(new byte[30_001]));
    assertThat(binary - small).as("its bytes, not their base64 text").isEqualTo(30_000);
  }

  @Test
  void fieldsAndElementsCountWithTheirKeysAndAHostileDepthIsWalkedWithoutRecursion() {
    ObjectNode one = Json.object();
    one.put("k", 1);
    ObjectNode two = Json.object();
    two.put("k", 1);
    two.put("longer-key", 2);
    assertThat(JsonWeight.of(two)).isGreaterThan(JsonWeight.of(one) + "longer-key".length());

    JsonNode deep = Json.object();
    for (int i = 0; i < 100_000; i++) {
      ArrayNode wrap = Json.mapper().createArrayNode();
      wrap.add(deep);
      deep = wrap;
    }
    assertThat(JsonWeight.of(deep)).isGreaterThan(100_000L * 24);
  }
}
