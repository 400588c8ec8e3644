package io.jobline.builtins.export;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bson.Document;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.Test;

class RowKeyTest {
  @Test
  void idsMongoDbTellsApartHaveKeysOfTheirOwn() {
    // found by review: String.valueOf(id) made 7 and "7" one row, and two dates in one second
    // (written in the JVM's time zone, to the second)
    Date first = Date.from(Instant.parse("2026-01-01T10:00:00.001Z"));
    Date second = Date.from(Instant.parse("2026-01-01T10:00:00.002Z"));

    assertThat(RowKey.of(7)).isEqualTo("number:7");
    assertThat(RowKey.of("7")).isEqualTo("7");
    assertThat(RowKey.of(first)).isEqualTo("date:2026-01-01T10:00:00.001Z");
    assertThat(RowKey.of(second)).isEqualTo("date:2026-01-01T10:00:00.002Z");
    assertThat(RowKey.of(true)).isEqualTo("bool:true");
    assertThat(RowKey.of("true")).isEqualTo("true");
    assertThat(RowKey.of(new Document("a", 1))).isEqualTo("object:{\"a\": 1}");
    assertThat(RowKey.of("number:7"))
        .as("a string that reads as another type's key")
        .isEqualTo("string:number:7");
    assertThat(RowKey.of(0.5)).isEqualTo("number:0.5");
    assertThat(RowKey.of(Decimal128.parse("0.5"))).isEqualTo("number:0.5");
  }

  @Test
  void oneNumberHasOneKeyWhateverItsTypeAsMongoDbHasOneIdForIt() {
    assertThat(
            List.of(7, 7L, 7.0, Decimal128.parse("7.00"), Decimal128.parse("0.7E+1")).stream()
                .map(RowKey::of))
        .containsOnly("number:7");
    assertThat(RowKey.of(-0.0)).isEqualTo(RowKey.of(0)).isEqualTo("number:0");
    assertThat(RowKey.of(Decimal128.NEGATIVE_ZERO)).isEqualTo("number:0");
    assertThat(RowKey.of(Double.NaN)).isEqualTo(RowKey.of(Decimal128.NaN)).isEqualTo("number:NaN");
    assertThat(RowKey.of(Decimal128.parse("1E+100")))
        .isEqualTo("number:1E+100"); // (past 64 digits: not written out)
  }

  @Test
  void stringAndObjectIdKeysAreThoseEarlierExportsWroteAndOthersNameTheirOldKeys() {
    ObjectId oid = new ObjectId("664abc000000000000000001");
    Date date = Date.from(Instant.parse("2026-01-01T10:00:00.001Z"));

    assertThat(RowKey.of(oid)).isEqualTo("664abc000000000000000001");
    assertThat(RowKey.of("u1")).isEqualTo("u1");
    assertThat(RowKey.earlier(oid)).isEmpty();
    assertThat(RowKey.earlier("u1")).isEmpty();
    assertThat(RowKey.earlier(7)).containsExactly("7");
    assertThat(RowKey.earlier(7.0)).containsExactly("7.0");
    assertThat(RowKey.earlier(date)).containsExactly(date.toString());
    assertThat(RowKey.earlier("number:7")).containsExactly("number:7");
  }
}
