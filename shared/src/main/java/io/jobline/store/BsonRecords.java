package io.jobline.store;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.util.TokenBuffer;
import io.jobline.wire.IsoInstant;
import io.jobline.wire.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Date;
import java.util.Map;
import java.util.Set;
import org.bson.BsonBinaryWriter;
import org.bson.RawBsonDocument;
import org.bson.io.BasicOutputBuffer;

/**
 * Encodes a record straight to BSON, as {@link Documents#toDocument} and the driver's document
 * codec together would: the same bytes, without the map and the {@code Document} in between and the
 * codec lookup for every value (a CPU profile of {@code jobline bench} had 18 % of history's stream
 * threads in those two steps). The record's Jackson tokens are written as they come; a record with
 * a token this does not write the same way (a number other than an int, a long or a double, binary
 * or embedded values, the id not first) is left to the two steps ({@code null}).
 */
final class BsonRecords {
  private BsonRecords() {}

  /**
   * The record as BSON: {@code idField} as {@code _id}, first; the {@code dateFields} at the top
   * level as BSON dates; no top-level nulls; then {@code extra} in its order (ints, longs, doubles,
   * strings or dates); or null when this encoding would differ from the documents' (see above).
   */
  static RawBsonDocument encode(
      Object value, String idField, Set<String> dateFields, Map<String, Object> extra) {
    try {
      TokenBuffer tokens = new TokenBuffer(Json.mapper(), false);
      Json.mapper().writeValue(tokens, value);
      BasicOutputBuffer out = new BasicOutputBuffer(512);
      try (BsonBinaryWriter writer = new BsonBinaryWriter(out);
          JsonParser p = tokens.asParser(Json.mapper())) {
        if (!topLevel(p, writer, idField, dateFields, extra)) {
          return null;
        }
      }
      return new RawBsonDocument(out.toByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean topLevel(
      JsonParser p,
      BsonBinaryWriter w,
      String idField,
      Set<String> dateFields,
      Map<String, Object> extra)
      throws IOException {
    if (p.nextToken() != JsonToken.START_OBJECT
        || p.nextToken() != JsonToken.FIELD_NAME
        || !idField.equals(p.currentName())
        || p.nextToken() != JsonToken.VALUE_STRING) {
      return false;
    }
    w.writeStartDocument();
    w.writeString("_id", p.getText());
    for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
      String name = p.currentName();
      JsonToken v = p.nextToken();
      if (extra.containsKey(name) || name.equals("_id") || name.equals(idField)) {
        return false;
      }
      if (v == JsonToken.VALUE_NULL) {
        continue;
      }
      w.writeName(name);
      if (dateFields.contains(name)) {
        if (v != JsonToken.VALUE_STRING) {
          return false;
        }
        w.writeDateTime(IsoInstant.parse(p.getText()).toEpochMilli());
      } else if (!value(p, v, w)) {
        return false;
      }
    }
    for (Map.Entry<String, Object> e : extra.entrySet()) {
      w.writeName(e.getKey());
      if (!scalar(e.getValue(), w)) {
        return false;
      }
    }
    w.writeEndDocument();
    return true;
  }

  /**
   * Writes a value as the driver's codec for its class does (an int, a long, a double, a string or
   * a date); false for any other class.
   */
  private static boolean scalar(Object x, BsonBinaryWriter w) {
    if (x instanceof Integer i) {
      w.writeInt32(i);
    } else if (x instanceof Long l) {
      w.writeInt64(l);
    } else if (x instanceof Double d) {
      w.writeDouble(d);
    } else if (x instanceof String s) {
      w.writeString(s);
    } else if (x instanceof Date d) {
      w.writeDateTime(d.getTime());
    } else {
      return false;
    }
    return true;
  }

  /** Writes the value starting at token {@code t}; false if it is one this does not write. */
  private static boolean value(JsonParser p, JsonToken t, BsonBinaryWriter w) throws IOException {
    switch (t) {
      case VALUE_STRING -> w.writeString(p.getText());
      case VALUE_TRUE -> w.writeBoolean(true);
      case VALUE_FALSE -> w.writeBoolean(false);
      case VALUE_NULL -> w.writeNull();
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
        // the value Jackson's untyped deserializing (Documents' map) gives, and the codec it meets
        return scalar(p.getNumberValue(), w);
      }
      case START_ARRAY -> {
        w.writeStartArray();
        for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
          if (!value(p, e, w)) {
            return false;
          }
        }
        w.writeEndArray();
      }
      case START_OBJECT -> {
        w.writeStartDocument();
        for (JsonToken f = p.nextToken(); f != JsonToken.END_OBJECT; f = p.nextToken()) {
          w.writeName(p.currentName());
          if (!value(p, p.nextToken(), w)) {
            return false;
          }
        }
        w.writeEndDocument();
      }
      default -> {
        return false;
      }
    }
    return true;
  }
}
