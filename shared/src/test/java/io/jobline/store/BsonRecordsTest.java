package io.jobline.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mongodb.MongoClientSettings;
import io.jobline.run.RunRecord;
import io.jobline.wire.Json;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.bson.BsonSerializationException;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.junit.jupiter.api.Test;

/**
 * A run encoded straight to BSON ({@link BsonRecords}) is byte for byte what the map and the
 * driver's document codec made of it, for every kind of value a run carries; what it does not
 * encode itself it leaves to them.
 */
class BsonRecordsTest {
  private static final Set<String> DATES = Set.of("requested_at", "started_at", "completed_at");
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private static RunRecord run(JsonNode params, JsonNode result) throws Exception {
    ObjectNode json =
        (ObjectNode)
            Json.mapper()
                .readTree(
                    """
                    {"run_id":"0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b","job_name":"export",
                     "tenant_id":"acme","trigger":{"type":"schedule","schedule":"s-1","nominal_time":"2026-12-03T07:00:00Z"},
                     "status":"failed","attempt":2,"epoch":4294967296,"executor_id":"e-1",
                     "requested_at":"2026-12-03T07:00:00.123456789Z",
                     "started_at":"2026-12-03T07:00:01Z","completed_at":"1969-12-31T23:59:59.999Z",
                     "error":"boom \\u0000 nul and \\ud83d\\ude00","progress":42,
                     "progress_message":"","logs":[{"at":"2026-12-03T07:00:01.5Z","level":"INFO",
                     "message":"line"}],"logs_truncated":true,
                     "attempts":[{"attempt":1,"status":"failed","error":"first"}],
                     "parent_run_id":"0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c",
                     "applied_seq":{"1:4":7,"2:4":9223372036854775807}}
                    """);
    json.set("params", params);
    json.set("result", result);
    return Json.mapper().treeToValue(json, RunRecord.class);
  }

  static Map<String, Object> extra(RunRecord run) {
    Map<String, Object> extra = new LinkedHashMap<>();
    extra.put("materialized_at", new Date(1_796_000_000_123L));
    extra.put("fold_rank", run.foldRank());
    return extra;
  }

  /** What the map and the codec make of the run. */
  private static RawBsonDocument viaDocument(RunRecord run) {
    Document doc = Documents.toDocument(run, "run_id", DATES);
    doc.putAll(extra(run));
    return new RawBsonDocument(
        doc, MongoClientSettings.getDefaultCodecRegistry().get(Document.class));
  }

  static byte[] bytes(RawBsonDocument doc) {
    var buffer = doc.getByteBuffer();
    byte[] out = new byte[buffer.remaining()];
    buffer.get(out);
    return out;
  }

  private static void sameBytes(RunRecord run) {
    RawBsonDocument fast = BsonRecords.encode(run, "run_id", DATES, extra(run));
    assertThat(fast).as("encoded straight to BSON").isNotNull();
    assertThat(bytes(fast)).isEqualTo(bytes(viaDocument(run)));
  }

  @Test
  void aRunWithEveryFieldIsTheSameBytes() throws Exception {
    ObjectNode params = NODES.objectNode();
    params.put("int", 7).put("negative", -2147483648).put("long", 2147483648L);
    params.put("min", Long.MIN_VALUE).put("double", 1.5).put("negativeZero", -0.0);
    params.put("nan", Double.NaN).put("infinity", Double.NEGATIVE_INFINITY);
    params.put("true", true).put("false", false).putNull("null").put("empty", "");
    params.put("unicode", "zürich – 東京 \uD83D\uDE00").put("nul", "a\u0000b");
    params.putArray("array").add(1).add("two").addNull().add(NODES.objectNode()).addArray();
    params.putObject("nested").putObject("deeper").putArray("list").add(3L);
    params.put("dotted.key", 1).put("$dollar", 2).put("", "empty key");
    sameBytes(run(params, NODES.textNode("done")));
    sameBytes(run(NODES.objectNode(), NODES.nullNode()));
    sameBytes(run(NODES.arrayNode(), NODES.numberNode(3)));
    // a short comes out of Jackson's tokens as an int, both ways
    sameBytes(run(NODES.objectNode().set("short", NODES.numberNode((short) 3)), null));
  }

  @Test
  void randomParamsAreTheSameBytes() throws Exception {
    Random random = new Random(20261203);
    for (int i = 0; i < 500; i++) {
      sameBytes(
          run(
              RandomJson.object(random, 0),
              random.nextBoolean() ? RandomJson.value(random, 1) : null));
    }
  }

  @Test
  void numbersItDoesNotEncodeAreLeftToTheDocumentCodec() throws Exception {
    for (JsonNode odd :
        new JsonNode[] {
          NODES.numberNode(new BigDecimal("1.10")),
          NODES.numberNode(1.5f),
          NODES.numberNode(new BigInteger("123456789012345678901234567890"))
        }) {
      RunRecord run = run(NODES.objectNode().set("odd", odd), null);
      assertThat(BsonRecords.encode(run, "run_id", DATES, extra(run))).as(odd.toString()).isNull();
    }
  }

  @Test
  void aKeyBsonCannotHoldIsRefusedAsTheCodecRefusesIt() throws Exception {
    RunRecord run = run(NODES.objectNode().put("a\u0000b", 1), null);
    try {
      BsonRecords.encode(run, "run_id", DATES, extra(run));
      throw new AssertionError("a key with a NUL was encoded");
    } catch (BsonSerializationException expected) {
      assertThat(expected).hasMessageContaining("null character");
    }
  }
}
