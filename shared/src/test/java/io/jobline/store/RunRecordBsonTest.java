package io.jobline.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.run.Attempt;
import io.jobline.run.LogEntry;
import io.jobline.run.RunOptions;
import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import io.jobline.wire.Json;
import io.jobline.wire.RunId;
import io.jobline.wire.Scope;
import io.jobline.wire.Trigger;
import io.jobline.wire.TriggerType;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.bson.BsonSerializationException;
import org.bson.RawBsonDocument;
import org.junit.jupiter.api.Test;

/**
 * A run written field by field ({@link RunRecordBson}) is byte for byte what {@link BsonRecords}
 * (tested against the driver's codec) makes of it, for runs with every field set, none set, and
 * random values; what it does not write it leaves to {@link BsonRecords}.
 */
class RunRecordBsonTest {
  private static final Set<String> DATES = Set.of("requested_at", "started_at", "completed_at");
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private static void sameBytes(RunRecord run) {
    RawBsonDocument direct = RunRecordBson.encode(run, BsonRecordsTest.extra(run));
    assertThat(direct).as("written field by field: %s", run).isNotNull();
    RawBsonDocument tokens = BsonRecords.encode(run, "run_id", DATES, BsonRecordsTest.extra(run));
    assertThat(tokens).isNotNull();
    assertThat(BsonRecordsTest.bytes(direct))
        .as("%s", run)
        .isEqualTo(BsonRecordsTest.bytes(tokens));
  }

  private static final Instant T = Instant.parse("2026-12-04T05:00:00.123456789Z");

  private static RunRecord full(JsonNode params, JsonNode result) {
    Map<String, Long> applied = new LinkedHashMap<>();
    applied.put("1:4", 7L);
    applied.put("2:4", Long.MAX_VALUE);
    return new RunRecord(
        RunId.of("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"),
        "export",
        "acme",
        params,
        new Trigger(TriggerType.SCHEDULE, "s-1", T, "chain-1", "step-1", 3),
        RunStatus.FAILED,
        2,
        4_294_967_296L,
        "e-1",
        T,
        Instant.parse("2026-12-04T05:00:01Z"),
        Instant.parse("1969-12-31T23:59:59.999999Z"),
        result,
        "boom \u0000 nul and \uD83D\uDE00",
        42,
        "",
        List.of(new LogEntry(T, "INFO", "line", 50), new LogEntry(null, null, null, null)),
        true,
        List.of(
            new Attempt(1, 4, "e-0", T, T.plusSeconds(1), RunStatus.FAILED, "first", T),
            new Attempt(2, 4, null, null, null, null, null, null)),
        RunId.of("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c"),
        applied,
        new RunOptions(Scope.PARENT_TENANT, 30, 5, 60));
  }

  /** A run with nothing but its id (and the fields a record always has). */
  private static RunRecord bare() throws Exception {
    return Json.mapper()
        .readValue("{\"run_id\":\"0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b\"}", RunRecord.class);
  }

  /** A run of job "export" with these and nothing else but attempt and epoch 1. */
  private static RunRecord small(
      Trigger trigger, RunStatus status, List<Attempt> attempts, Map<String, Long> applied) {
    RunRecord f = full(null, null);
    return new RunRecord(
        f.runId(),
        f.jobName(),
        f.tenantId(),
        null,
        trigger,
        status,
        1,
        1,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        false,
        attempts,
        null,
        applied,
        null);
  }

  @Test
  void itWritesEveryFieldOfTheRecord() {
    assertThat(RunRecord.class.getRecordComponents())
        .as("a field RunRecordBson does not write: add it there, then here")
        .hasSize(RunRecordBson.FIELDS);
  }

  @Test
  void runsWithEveryFieldSetOrNoneAreTheSameBytes() throws Exception {
    ObjectNode params = NODES.objectNode();
    params.put("int", 7).put("negative", -2147483648).put("long", 2147483648L);
    params.put("min", Long.MIN_VALUE).put("double", 1.5).put("negativeZero", -0.0);
    params.put("nan", Double.NaN).put("true", true).putNull("null").put("empty", "");
    params.put("unicode", "zürich – 東京 \uD83D\uDE00").put("nul", "a\u0000b");
    params.putArray("array").add(1).add("two").addNull().add(NODES.objectNode()).addArray();
    params.putObject("nested").putObject("deeper").putArray("list").add(3L);
    params.put("dotted.key", 1).put("$dollar", 2).put("", "empty key");
    sameBytes(full(params, NODES.textNode("done")));
    sameBytes(full(NODES.objectNode(), NODES.nullNode()));
    sameBytes(full(NODES.arrayNode(), NODES.numberNode(3)));
    sameBytes(full(null, null));
    sameBytes(bare());
    for (TriggerType type : TriggerType.values()) {
      sameBytes(
          small(
              new Trigger(type, null, null, null, null),
              RunStatus.values()[type.ordinal()],
              List.of(),
              Map.of()));
    }
  }

  @Test
  void oddStringsLongArraysAndDeepNestingAreTheSameBytes() {
    ObjectNode params = NODES.objectNode();
    for (String odd :
        new String[] {
          "pair \uD83D\uDE00",
          "lone high \uD800",
          "lone low \uDC00 x",
          "\uDBFF",
          "\u07FF\u0800",
          "x".repeat(5000),
          "\u20AC".repeat(700)
        }) {
      params.put(odd, odd);
    }
    var array = params.putArray("long");
    for (int i = 0; i < 150; i++) {
      array.add(i % 2 == 0 ? NODES.numberNode(i) : NODES.textNode("e" + i));
    }
    ObjectNode deep = params;
    for (int i = 0; i < 40; i++) {
      deep = deep.putObject("d" + i);
    }
    deep.put("bottom", true);
    sameBytes(full(params, array));
  }

  @Test
  void randomRunsAreTheSameBytes() {
    Random random = new Random(20261204);
    RunStatus[] statuses = RunStatus.values();
    for (int i = 0; i < 1000; i++) {
      RunRecord f = full(null, null);
      List<Attempt> attempts = new ArrayList<>();
      for (int a = random.nextInt(3); a > 0; a--) {
        attempts.add(
            new Attempt(
                random.nextInt(),
                random.nextLong(),
                maybe(random, "e-" + a),
                maybe(random, instant(random)),
                maybe(random, instant(random)),
                maybe(random, statuses[random.nextInt(statuses.length)]),
                maybe(random, RandomJson.string(random)),
                maybe(random, instant(random))));
      }
      RunRecord run =
          new RunRecord(
              f.runId(),
              maybe(random, "job"),
              maybe(random, RandomJson.string(random)),
              maybe(random, RandomJson.object(random, 0)),
              maybe(random, f.trigger()),
              maybe(random, statuses[random.nextInt(statuses.length)]),
              random.nextInt(),
              random.nextLong(),
              maybe(random, "e"),
              maybe(random, instant(random)),
              maybe(random, instant(random)),
              maybe(random, instant(random)),
              maybe(random, RandomJson.value(random, 1)),
              maybe(random, RandomJson.string(random)),
              maybe(random, random.nextInt()),
              maybe(random, "p"),
              null,
              random.nextBoolean(),
              maybe(random, attempts),
              maybe(random, f.parentRunId()),
              maybe(random, Map.of(random.nextInt(5) + ":1", random.nextLong())),
              maybe(
                  random,
                  new RunOptions(
                      maybe(random, Scope.values()[random.nextInt(Scope.values().length)]),
                      maybe(random, random.nextInt()),
                      maybe(random, random.nextInt()),
                      maybe(random, random.nextInt()))));
      sameBytes(run);
    }
  }

  @Test
  void valuesItDoesNotWriteAreLeftToTheTokens() {
    for (JsonNode odd :
        new JsonNode[] {
          NODES.numberNode(new BigDecimal("1.10")),
          NODES.numberNode(1.5f),
          NODES.numberNode(new BigInteger("123456789012345678901234567890")),
          NODES.binaryNode(new byte[] {1, 2}),
          NODES.numberNode((short) 3) // (read from JSON it is an int)
        }) {
      RunRecord run = full(NODES.objectNode().set("odd", odd), null);
      assertThat(RunRecordBson.encode(run, BsonRecordsTest.extra(run))).as(odd.toString()).isNull();
      RunRecord inResult = full(null, NODES.arrayNode().add(odd));
      assertThat(RunRecordBson.encode(inResult, BsonRecordsTest.extra(inResult)))
          .as(odd.toString())
          .isNull();
    }
    RunRecord f = full(null, null);
    Map<String, Long> nullSeq = new LinkedHashMap<>();
    nullSeq.put("1:1", null);
    RunRecord withNull = small(f.trigger(), f.status(), null, nullSeq);
    assertThat(RunRecordBson.encode(withNull, BsonRecordsTest.extra(withNull))).isNull();
  }

  @Test
  void aKeyBsonCannotHoldIsRefusedAsTheCodecRefusesIt() {
    RunRecord run = full(NODES.objectNode().put("a\u0000b", 1), null);
    assertThatThrownBy(() -> RunRecordBson.encode(run, BsonRecordsTest.extra(run)))
        .isInstanceOf(BsonSerializationException.class)
        .hasMessageContaining("null character");
  }

  private static <T> T maybe(Random r, T value) {
    return r.nextInt(4) == 0 ? null : value;
  }

  private static Instant instant(Random r) {
    return Instant.ofEpochSecond(
        r.nextInt() * 10L, r.nextInt(4) == 0 ? 0 : r.nextInt(1_000_000_000));
  }
}
