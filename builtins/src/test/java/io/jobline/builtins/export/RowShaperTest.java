package io.jobline.builtins.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jobline.builtins.export.ExportParams.ResourceConfig;
import io.jobline.job.JobException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.bson.BsonBinarySubType;
import org.bson.Document;
import org.bson.types.Binary;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.Test;

class RowShaperTest {
  private static final ObjectId ID = new ObjectId("664abc000000000000000001");
  private static final List<String> PERSONAL = List.of("email", "address.street");
  private static final String KEY = "0123456789abcdef-test-key";

  private static Document user() {
    return new Document("_id", ID)
        .append("tenant_id", "t1")
        .append("name", "Ada")
        .append("email", "ada@example.com")
        .append("age", 36)
        .append("score", 9.5)
        .append("active", true)
        .append("signed_up", Date.from(Instant.parse("2026-01-02T03:04:05Z")))
        .append(
            "address",
            new Document("city", "Oslo")
                .append("street", "Main St 1")
                .append("geo", new Document("lat", 59.9).append("lon", 10.7)))
        .append("tags", List.of("a", "b"));
  }

  private static ResourceConfig config(
      GdprMode mode,
      int depth,
      Map<String, String> flatten,
      List<String> exclude,
      List<String> include) {
    return new ResourceConfig("users", "users", mode, depth, flatten, exclude, include);
  }

  private static Row shape(ResourceConfig c) {
    return new RowShaper(c, PERSONAL, "[redacted]", KEY, "t1").shape(user());
  }

  @Test
  void aPersonalPathMasksItsFieldWhateverTheCaseOfEitherSpelling() {
    // found by review: `email` declared, `Email` written by some of the application's writers,
    // went out in clear
    Document doc =
        new Document("_id", ID)
            .append("Email", "ada@example.com")
            .append("ADDRESS", new Document("Street", "Main St 1").append("city", "Oslo"));
    Row row =
        new RowShaper(
                config(GdprMode.ANONYMIZE, 1, null, null, null),
                List.of("email", "Address.STREET"),
                "[redacted]",
                KEY,
                "t1")
            .shape(doc);

    assertThat(row.values())
        .containsEntry("Email", "[redacted]")
        .containsEntry("ADDRESS_Street", "[redacted]")
        .containsEntry("ADDRESS_city", "Oslo");
    assertThat(row.masked()).containsExactlyInAnyOrder("Email", "ADDRESS_Street");
  }

  @Test
  void nestedDocumentsAreFlattenedToTheDepthAndDeeperValuesKeptAsJson() {
    Row row = shape(config(GdprMode.ANONYMIZE, 1, null, null, null));

    assertThat(row.id()).isEqualTo("664abc000000000000000001");
    assertThat(row.values())
        .containsEntry("name", "Ada")
        .containsEntry("age", 36L)
        .containsEntry("score", 9.5)
        .containsEntry("active", true)
        .containsEntry("signed_up", Instant.parse("2026-01-02T03:04:05Z"))
        .containsEntry("address_city", "Oslo")
        .containsEntry("address_geo", "{\"lat\": 59.9, \"lon\": 10.7}")
        .containsEntry("tags", "[\"a\", \"b\"]")
        .doesNotContainKey("_id")
        .doesNotContainKey("address");
    assertThat(shape(config(GdprMode.ANONYMIZE, 2, null, null, null)).values())
        .containsEntry("address_geo_lat", 59.9)
        .containsEntry("address_geo_lon", 10.7);
    assertThat(shape(config(GdprMode.EXCLUDE, 0, null, null, null)).values())
        .doesNotContainKey("address")
        .doesNotContainKey("address_city");
  }

  @Test
  void flattenFieldsMapChosenPathsToNamedColumns() {
    Row row =
        shape(
            config(
                GdprMode.EXCLUDE,
                0,
                Map.of("address.geo.lat", "latitude", "address.city", "city"),
                null,
                null));

    assertThat(row.values())
        .containsEntry("latitude", 59.9)
        .containsEntry("city", "Oslo")
        .doesNotContainKey("address_city");
  }

  @Test
  void includeKeepsOnlyTheListedPathsAndExcludeDropsPaths() {
    Row included =
        shape(config(GdprMode.ANONYMIZE, 1, null, null, List.of("name", "address.city")));
    assertThat(included.values()).containsOnlyKeys("name", "address_city");
    assertThat(included.id()).isEqualTo(ID.toHexString());

    Row excluded =
        shape(
            config(GdprMode.ANONYMIZE, 1, null, List.of("tags", "address.geo", "tenant_id"), null));
    assertThat(excluded.values())
        .doesNotContainKeys("tags", "address_geo", "tenant_id")
        .containsKeys("name", "address_city");
  }

  @Test
  void excludeModeDropsPersonalColumns() {
    Row row = shape(config(GdprMode.EXCLUDE, 1, null, null, null));

    assertThat(row.values())
        .doesNotContainKeys("email", "address_street")
        .containsEntry("address_city", "Oslo");
  }

  @Test
  void anonymizeModeReplacesPersonalValuesWithTheMarker() {
    Row row = shape(config(GdprMode.ANONYMIZE, 1, null, null, null));

    assertThat(row.values())
        .containsEntry("email", "[redacted]")
        .containsEntry("address_street", "[redacted]")
        .containsEntry("name", "Ada");
    assertThat(shape(config(GdprMode.ANONYMIZE, 0, null, null, null)).values())
        .as("a JSON column holding a personal field is personal as a whole")
        .containsEntry("address", "[redacted]");
  }

  @Test
  void hashModeReplacesPersonalValuesWithASha256KeyedPerTenant() throws Exception {
    Row row = shape(config(GdprMode.HASH, 1, null, null, null));

    Mac master = Mac.getInstance("HmacSHA256");
    master.init(new SecretKeySpec(KEY.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(
        new SecretKeySpec(
            master.doFinal("tenant:t1".getBytes(StandardCharsets.UTF_8)), "HmacSHA256"));
    String expected =
        HexFormat.of().formatHex(mac.doFinal("ada@example.com".getBytes(StandardCharsets.UTF_8)));
    assertThat(row.values()).containsEntry("email", expected);
    assertThat(shape(config(GdprMode.HASH, 1, null, null, null)).values().get("email"))
        .as("the same value hashes the same across runs")
        .isEqualTo(expected);
    Row otherKey =
        new RowShaper(
                config(GdprMode.HASH, 1, null, null, null),
                PERSONAL,
                "x",
                "another-key-16-chars",
                "t1")
            .shape(user());
    assertThat(otherKey.values().get("email"))
        .as("without the key the hash cannot be reproduced")
        .isNotEqualTo(expected);
    Row otherTenant =
        new RowShaper(config(GdprMode.HASH, 1, null, null, null), PERSONAL, "x", KEY, "t2")
            .shape(user());
    assertThat(otherTenant.values().get("email"))
        .as("tenants cannot be joined on hashes")
        .isNotEqualTo(expected);
  }

  @Test
  void hashModeWritesAPersonalBooleanAsTheMarkerSinceItsHashWouldHaveTwoValues() {
    RowShaper shaper =
        new RowShaper(
            config(GdprMode.HASH, 1, null, null, null),
            List.of("active", "email", "age"),
            "[redacted]",
            KEY,
            "t1");
    Row row = shaper.shape(user());
    assertThat(row.values()).containsEntry("active", "[redacted]");
    assertThat(shaper.shape(user().append("active", false)).values())
        .containsEntry("active", "[redacted]");
    assertThat(shaper.shape(user().append("active", null)).values()).containsEntry("active", null);
    assertThat(row.masked()).contains("active", "email", "age");
    // (other values are hashed: a number too)
    assertThat((String) row.values().get("email")).hasSize(64);
    assertThat((String) row.values().get("age")).hasSize(64);
  }

  @Test
  void hashModeWithoutAKeyFailsClearly() {
    assertThatThrownBy(
            () ->
                new RowShaper(config(GdprMode.HASH, 1, null, null, null), PERSONAL, "x", "", "t1"))
        .isInstanceOf(JobException.class)
        .hasMessageContaining("BI_EXPORT_HASH_KEY");
  }

  @Test
  void columnTypesAreInferredFromTheRowsOfABatch() {
    List<Row> rows =
        List.of(
            new Row("1", Map.of("n", 1L, "x", 2L, "when", Instant.EPOCH)),
            new Row("2", new HashMap<>(Map.of("n", 2.5, "x", "two"))));

    assertThat(Column.infer(rows))
        .contains(
            new Column("_id", ColumnType.STRING),
            new Column("n", ColumnType.FLOAT),
            new Column("x", ColumnType.STRING),
            new Column("when", ColumnType.TIMESTAMP));
    assertThat(rows.get(1).value(new Column("n", ColumnType.FLOAT))).isEqualTo(2.5);
    assertThat(rows.get(0).value(new Column("x", ColumnType.STRING))).isEqualTo("2");
  }

  @Test
  void aValueThatDoesNotFitAnExistingColumnIsAnErrorNotASilentChange() {
    Row row = new Row("7", Map.of("n", 2.5, "m", 3.0, "flag", "yes"));

    assertThat(row.value(new Column("m", ColumnType.INTEGER))).isEqualTo(3L);
    assertThatThrownBy(() -> row.value(new Column("n", ColumnType.INTEGER)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("document 7: column n is integer in the target table but the value is 2.5");
    assertThatThrownBy(() -> row.value(new Column("flag", ColumnType.BOOLEAN)))
        .hasMessageContaining("column flag is boolean");
  }

  @Test
  void binaryIdsAndValuesAreWrittenAsTheirBytesAndUuidsInTheirUsualForm() {
    // found by review: they were written as their class name and a 32-bit hash, so distinct
    // documents shared a row, and the erasure of one removed the other's
    UUID uuid = UUID.fromString("3b241101-e2bb-4255-8caf-4136c566a962");
    byte[] standard =
        ByteBuffer.allocate(16)
            .putLong(uuid.getMostSignificantBits())
            .putLong(uuid.getLeastSignificantBits())
            .array();
    // two blobs of one hash: the same Arrays.hashCode, other bytes
    Binary first = new Binary(new byte[] {0, 31});
    Binary second = new Binary(new byte[] {1, 0});

    assertThat(RowKey.of(new Binary(BsonBinarySubType.UUID_STANDARD, standard)))
        .isEqualTo("uuid:" + uuid);
    assertThat(RowKey.of(first)).isEqualTo("binary:0:001f");
    assertThat(RowKey.of(second)).isEqualTo("binary:0:0100");
    assertThat(RowShaper.value(new Binary(BsonBinarySubType.UUID_LEGACY, standard)))
        .as("a legacy driver's UUID: its byte order is that driver's")
        .isEqualTo(HexFormat.of().formatHex(standard));
    assertThat(RowShaper.value(new Binary(new byte[40_000])))
        .as("other binary data: not its bytes")
        .isEqualTo("binary data, 40000 bytes");
    assertThat(RowKey.earlier(first))
        .as("the keys earlier exports wrote")
        .containsExactly(String.valueOf((Object) first), "001f")
        .first()
        .asString()
        .startsWith("org.bson.types.Binary@");
    assertThat(RowKey.earlier("u1")).isEmpty();
    // found by review: inside a document or an array a file's bytes went out whole, in base64
    assertThat(
            RowShaper.value(
                new Document(
                    "photos", List.of(new Document("data", new Binary(new byte[300])), "caption"))))
        .isEqualTo("{\"photos\": [{\"data\": \"binary data, 300 bytes\"}, \"caption\"]}");
  }

  @Test
  void decimalsWithoutABigDecimalValueAndAFieldWithAnEmptyNameAreShaped() {
    // found by review: a Decimal128 NaN, infinity or negative zero, and a field named "", threw;
    // the document was left out and its row kept what an earlier export wrote
    Document doc =
        new Document("_id", ID)
            .append("nan", Decimal128.NaN)
            .append("up", Decimal128.POSITIVE_INFINITY)
            .append("down", Decimal128.NEGATIVE_INFINITY)
            .append("minus_zero", Decimal128.NEGATIVE_ZERO)
            .append("cents", Decimal128.parse("-0.00"))
            .append("price", Decimal128.parse("12.50"))
            .append("", "no name")
            .append("nested", new Document("", 1));

    Row row =
        new RowShaper(config(GdprMode.EXCLUDE, 1, null, null, null), List.of(), "x", KEY, "t1")
            .shape(doc);

    assertThat(row.values())
        .containsEntry("nan", "NaN")
        .containsEntry("up", "Infinity")
        .containsEntry("down", "-Infinity")
        .containsEntry("minus_zero", "0")
        .containsEntry("cents", "0.00")
        .containsEntry("price", "12.50")
        .containsEntry("_", "no name")
        .containsEntry("nested_", 1L);
  }
}
