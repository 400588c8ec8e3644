package io.jobline.app.stores;

import java.util.Date;
import java.util.List;
import org.bson.Document;
import org.bson.types.Binary;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;

/** A document with a value of every kind the stores keep, to check they come back as written. */
final class StoredValues {
  private StoredValues() {}

  static Document everyKind(String id) {
    return new Document("_id", id)
        .append("text", "héllo \ud83d\ude00")
        .append("int", 7)
        .append("long", 1L << 40)
        .append("double", 0.25)
        .append("bool", true)
        .append("null", null)
        .append("date", new Date(1_764_000_000_123L))
        .append("binary", new Binary(new byte[] {0, 1, 2, -1}))
        .append("object_id", new ObjectId("5f43a1b2c3d4e5f6a7b8c9d0"))
        .append("decimal", Decimal128.parse("12.345"))
        .append("nested", new Document("a", List.of(1, "two", new Document("b", 3.5))))
        .append("array", List.of(List.of(1, 2), List.of()))
        .append("durations", new Binary(new byte[8000]));
  }
}
