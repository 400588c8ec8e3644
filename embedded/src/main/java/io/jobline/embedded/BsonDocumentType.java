package io.jobline.embedded;

import de.bwaldvogel.mongo.bson.BinData;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.wire.bson.BsonDecoder;
import de.bwaldvogel.mongo.wire.bson.BsonEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.Map;
import org.h2.mvstore.DataUtils;
import org.h2.mvstore.WriteBuffer;
import org.h2.mvstore.type.BasicDataType;

/**
 * A stored document as BSON in H2's MVStore pages. H2 writes an object it does not know with Java
 * serialization: JFR of {@code jobline bench --store h2} had the MVStore's page writer spending 85
 * % of its samples in {@code ObjectOutputStream}, and the store's reads a third of theirs in {@code
 * ObjectInputStream}. BSON is what the wire carries the same documents in, with the store's own
 * encoder and decoder (every document it keeps has been measured in BSON on the way in).
 */
final class BsonDocumentType extends BasicDataType<Document> {
  static final BsonDocumentType INSTANCE = new BsonDocumentType();

  private BsonDocumentType() {}

  @Override
  public int getMemory(Document doc) {
    return 64 + estimate(doc);
  }

  /** A rough size in memory: H2 sizes its pages and its cache by it. */
  private static int estimate(Object value) {
    if (value instanceof String s) {
      return 40 + 2 * s.length();
    }
    if (value instanceof Map<?, ?> map) {
      int sum = 32;
      for (Map.Entry<?, ?> e : map.entrySet()) {
        sum += 48 + 2 * String.valueOf(e.getKey()).length() + estimate(e.getValue());
      }
      return sum;
    }
    if (value instanceof Collection<?> list) {
      int sum = 32;
      for (Object o : list) {
        sum += 8 + estimate(o);
      }
      return sum;
    }
    if (value instanceof BinData binary) {
      return 24 + binary.getData().length; // a statistics document's durations: 2 × 8 KB
    }
    if (value instanceof byte[] bytes) {
      return 16 + bytes.length;
    }
    return 24;
  }

  @Override
  public void write(WriteBuffer buff, Document doc) {
    byte[] bytes = encode(doc);
    buff.putVarInt(bytes.length).put(bytes);
  }

  @Override
  public Document read(ByteBuffer buff) {
    int length = DataUtils.readVarInt(buff);
    byte[] bytes = new byte[length];
    buff.get(bytes);
    return decode(bytes);
  }

  /** The document as BSON, by the store's own encoder. */
  static byte[] encode(Document doc) {
    ByteBuf bson = Unpooled.buffer();
    try {
      BsonEncoder.encodeDocument(doc, bson);
      byte[] bytes = new byte[bson.readableBytes()];
      bson.readBytes(bytes);
      return bytes;
    } finally {
      bson.release();
    }
  }

  /** A new document read from BSON {@link #encode} wrote. */
  static Document decode(byte[] bytes) {
    return BsonDecoder.decodeBson(Unpooled.wrappedBuffer(bytes));
  }

  @Override
  public Document[] createStorage(int size) {
    return new Document[size];
  }

  /** Documents are not ordered; equal or not is all a map asks of its values. */
  @Override
  public int compare(Document a, Document b) {
    return a.equals(b) ? 0 : 1;
  }
}
