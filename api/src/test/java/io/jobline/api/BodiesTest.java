package io.jobline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.wire.Json;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BodiesTest {
  @Test
  void theBodyLimitCountsBytesNotChars() {
    // found by review: counted in chars, a body of 600,000 'é' (1.2 MB) passed the 1 MB limit
    String body = "{\"x\":\"" + "é".repeat(600_000) + "\"}";
    assertThat(body.length()).isLessThan(Bodies.MAX_BODY_BYTES);

    assertThatThrownBy(() -> Bodies.object(body, "{}", Set.of("x")))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.status()).isEqualTo(413);
              assertThat(e.getMessage()).contains(Bodies.MAX_BODY_BYTES + " bytes");
            });
    String fits =
        "{\"x\":["
            + String.join(",", Collections.nCopies(400, "\"" + "é".repeat(1000) + "\""))
            + "]}";
    assertThat(Bodies.utf8Length(fits)).isBetween(800_000L, (long) Bodies.MAX_BODY_BYTES);
    assertThat(Bodies.object(fits, "{}", Set.of("x")).path("x")).hasSize(400);
  }

  @Test
  void aBodyPastALimitOfTheParserIsA400NamingTheFieldAndWhichLimit() {
    // found by review: every limit of the parser was told as the nesting depth, so a number of
    // 1,001 digits was "params is nested more than 32 levels deep"
    String[][] cases = {
      {"{\"params\":{\"n\":1" + "0".repeat(1000) + "}}", "params", "params.n: number too long"},
      {
        "{\"params\":{\"list\":[-0." + "5".repeat(1000) + ",1." + "5".repeat(1000) + "]}}",
        "params",
        "params.list[1]: number too long"
      },
      {"{\"params\":{\"" + "k".repeat(50_001) + "\":1}}", "params", "params: key too long"},
      {
        "{\"params\":" + "[".repeat(101) + "]".repeat(101) + "}",
        "params",
        "params is nested more than"
      },
    };
    for (String[] c : cases) {
      assertThatThrownBy(() -> Bodies.object(c[0], "{}", Set.of("params")))
          .as(c[2])
          .isInstanceOfSatisfying(
              ApiException.class,
              e -> {
                assertThat(e.status()).isEqualTo(400);
                assertThat(e.toProblem().field()).isEqualTo(c[1]);
                assertThat(e.getMessage()).startsWith(c[2]);
              });
    }
  }

  @Test
  void aQueryFlagIsTrueOrFalseAndAnythingElseIsA400NamingIt() {
    // found by review: by_tenant=yes and redriven=abc were read as false
    assertThat(Bodies.flag("by_tenant", null)).isNull();
    assertThat(Bodies.flag("by_tenant", "true")).isTrue();
    assertThat(Bodies.flag("by_tenant", "False")).isFalse();
    for (String bad : new String[] {"yes", "1", ""}) {
      assertThatThrownBy(() -> Bodies.flag("redriven", bad))
          .isInstanceOfSatisfying(
              ApiException.class,
              e -> {
                assertThat(e.status()).isEqualTo(400);
                assertThat(e.toProblem().field()).isEqualTo("redriven");
              });
    }
  }

  @Test
  void theUtf8LengthIsTheEncodedLength() {
    for (String s : new String[] {"", "abc", "é", "€", "😀", "a😀é€\u0000"}) {
      assertThat(Bodies.utf8Length(s)).as(s).isEqualTo(s.getBytes(StandardCharsets.UTF_8).length);
    }
    assertThat(Bodies.utf8Length("\ud800x")).as("a lone surrogate, at most 3 bytes").isEqualTo(4);
  }

  @Test
  void aWholeNumberWrittenWithAPointIsTakenAndOneTooLargeToBeFiniteIsA400() throws Exception {
    // found by review: 60.0 (a Python client's total_seconds()) was refused on POST /jobs, and
    // 1e400 made a 500 where it was a 400
    ObjectNode body = Json.mapper().createObjectNode();
    body.put("timeout_seconds", 60.0);
    assertThat(Bodies.optionalPositiveInt(body, "timeout_seconds")).isEqualTo(60);
    body.put("timeout_seconds", 60.5);
    assertThatThrownBy(() -> Bodies.optionalPositiveInt(body, "timeout_seconds"))
        .isInstanceOf(ApiException.class);
    ObjectNode huge = (ObjectNode) Json.mapper().readTree("{\"interval_seconds\":1e400}");
    assertThatThrownBy(() -> Bodies.whole(huge, Set.of("interval_seconds")))
        .isInstanceOf(ApiException.class)
        .hasMessageContaining("whole number");
  }
}
