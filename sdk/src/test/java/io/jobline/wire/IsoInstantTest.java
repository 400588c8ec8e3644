package io.jobline.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class IsoInstantTest {
  private static final long FROM = Instant.parse("-0002-01-01T00:00:00Z").getEpochSecond();
  private static final long TO = Instant.parse("+10001-12-31T23:59:59Z").getEpochSecond();

  /** Instants over years -2 to 10001, with every width of fraction, seeded. */
  private static List<Instant> instants() {
    Random random = new Random(14);
    List<Instant> out = new ArrayList<>();
    int[] nanos = {0, 1, 7, 1_000, 123_000, 1_000_000, 120_000_000, 999_999_999, 100_000_000};
    for (int i = 0; i < 200_000; i++) {
      long second = FROM + (long) (random.nextDouble() * (TO - FROM));
      int nano = i % 2 == 0 ? nanos[i % nanos.length] : random.nextInt(1_000_000_000);
      out.add(Instant.ofEpochSecond(second, nano));
    }
    out.add(Instant.EPOCH);
    out.add(Instant.parse("0000-01-01T00:00:00Z"));
    out.add(Instant.parse("9999-12-31T23:59:59.999999999Z"));
    out.add(Instant.parse("2024-02-29T12:00:00Z"));
    return out;
  }

  @Test
  void writesWhatInstantToStringWritesAndReadsItBack() {
    for (Instant i : instants()) {
      String text = i.toString();
      assertThat(IsoInstant.format(i)).as("%s", text).isEqualTo(text);
      if (i.isBefore(IsoInstant.EARLIEST) || i.isAfter(IsoInstant.LATEST)) {
        assertThatThrownBy(() -> IsoInstant.parse(text))
            .as(text)
            .isInstanceOf(DateTimeException.class);
      } else {
        assertThat(IsoInstant.parse(text)).as("%s", text).isEqualTo(i);
      }
    }
  }

  @Test
  void readsEveryFractionWidthAsTheJdkDoes() {
    String base = "2026-03-01T02:03:04";
    for (String fraction :
        List.of(
            "",
            ".1",
            ".12",
            ".123",
            ".1234",
            ".12345",
            ".123456",
            ".1234567",
            ".12345678",
            ".123456789")) {
      String text = base + fraction + "Z";
      assertThat(IsoInstant.quick(text)).as(text).isNotNull().isEqualTo(Instant.parse(text));
    }
  }

  @Test
  void leavesEveryOtherFormToTheJdkAndAnswersAsItDoes() {
    List<String> odd =
        List.of(
            "2026-03-01T02:00:00+01:00",
            "2026-03-01t02:00:00z",
            "2016-12-31T23:59:60Z",
            "2026-01-01T24:00:00Z",
            "2026-03-01T02:00Z",
            "2026-03-01T02:00:00.Z",
            "2026-03-01T02:00:00.1234567890Z",
            " 2026-03-01T02:00:00Z",
            "2026-03-01T02:00:00Z ");
    for (String text : odd) {
      assertThat(IsoInstant.quick(text)).as(text).isNull();
      assertThat(outcome(() -> IsoInstant.parse(text)))
          .as(text)
          .isEqualTo(outcome(() -> jdk(text)));
      assertThat(outcome(() -> Json.mapper().readValue(quoted(text), Instant.class)))
          .as(text)
          .isEqualTo(outcome(() -> JACKSON.readValue(quoted(text), Instant.class)));
    }
  }

  @Test
  void refusesWhatTheJdkRefuses() {
    List<String> bad =
        List.of(
            "2026-02-29T00:00:00Z",
            "2026-02-30T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-00-01T00:00:00Z",
            "2026-01-00T00:00:00Z",
            "2026-01-01T23:60:00Z",
            "2026-01-01T23:59:61Z",
            "2026-0a-01T00:00:00Z",
            "2026-01-01T00:00:00.12a4Z",
            "2026-01-01T00:00:00.-1Z",
            "20x6-01-01T00:00:00Z",
            "2026-01-01 00:00:00Z",
            "Z");
    for (String text : bad) {
      assertThat(IsoInstant.quick(text)).as(text).isNull();
      assertThatThrownBy(() -> IsoInstant.parse(text))
          .as(text)
          .isInstanceOf(DateTimeException.class);
      assertThatThrownBy(() -> Json.mapper().readValue(quoted(text), Instant.class))
          .as(text)
          .isInstanceOf(JsonMappingException.class);
    }
  }

  @Test
  void refusesTimesOutsideTheYears0000To9999WhichWouldOverflowMillisecondsOrSpans()
      throws Exception {
    // found by review: a run started at "0001-01-01" and ended now overflowed its duration's
    // nanoseconds in history, and Instant's far years overflow a MongoDB date's milliseconds
    for (String text :
        List.of(
            "+12026-03-01T02:00:00Z",
            "+10000-01-01T00:00:00Z",
            "-0001-12-31T23:59:59Z",
            "+999999999-12-31T23:59:59Z",
            "-999999999-01-01T00:00:00Z")) {
      assertThatThrownBy(() -> IsoInstant.parse(text))
          .as(text)
          .isInstanceOf(DateTimeException.class)
          .hasMessageContaining("0000 to 9999");
      assertThatThrownBy(() -> Json.mapper().readValue(quoted(text), Instant.class))
          .as(text)
          .isInstanceOf(JsonMappingException.class)
          .hasMessageContaining("0000 to 9999");
    }
    assertThatThrownBy(() -> Json.mapper().readValue("1e17", Instant.class))
        .isInstanceOf(JsonMappingException.class);
    assertThatThrownBy(() -> Json.mapper().readValue("-1e17", Instant.class))
        .isInstanceOf(JsonMappingException.class);
    assertThatThrownBy(() -> Json.mapper().readValue("1e12", Instant.class))
        .isInstanceOf(JsonMappingException.class)
        .hasMessageContaining("0000 to 9999");
    assertThat(IsoInstant.parse("0000-01-01T00:00:00Z")).isEqualTo(IsoInstant.EARLIEST);
    assertThat(Json.mapper().readValue(quoted("9999-12-31T23:59:59.999999999Z"), Instant.class))
        .isEqualTo(IsoInstant.LATEST);
  }

  @Test
  void theMapperReadsAndWritesInstantsThisWayAndStillTakesWhatJacksonTook() throws Exception {
    Instant i = Instant.parse("2026-03-01T02:00:00.120Z");
    assertThat(Json.mapper().writeValueAsString(i)).isEqualTo("\"2026-03-01T02:00:00.120Z\"");
    assertThat(Json.mapper().readValue("\"2026-03-01T02:00:00.12Z\"", Instant.class)).isEqualTo(i);
    assertThat(Json.mapper().readValue("\"2026-03-01T03:00:00.12+01:00\"", Instant.class))
        .isEqualTo(i);
    assertThat(Json.mapper().readValue("1772330400.120000000", Instant.class)).isEqualTo(i);
    assertThat(Json.mapper().readValue("null", Instant.class)).isNull();
  }

  private static Instant jdk(String text) {
    return Instant.parse(text);
  }

  /** Jackson as it read instants before: its own Java-time module only. */
  private static final ObjectMapper JACKSON =
      new ObjectMapper().registerModule(new JavaTimeModule());

  private static String quoted(String text) {
    return "\"" + text + "\"";
  }

  private interface Call {
    Object get() throws Exception;
  }

  /** What a call gave, or the kind of what it threw. */
  private static Object outcome(Call call) {
    try {
      return call.get();
    } catch (Exception e) {
      return e.getClass();
    }
  }
}
