package io.jobline.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.bson.BsonBinary;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.RawBsonDocument;
import org.junit.jupiter.api.Test;

/** The check each message passes before the store's library decodes it. */
class WireCheckTest {
  static final int OP_MSG = 2013;
  static final int OP_QUERY = 2004;

  static byte[] bson(BsonDocument doc) {
    RawBsonDocument raw = RawBsonDocument.parse(doc.toJson());
    ByteBuffer b = raw.getByteBuffer().asNIO();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  static byte[] int32(int v) {
    return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
  }

  /** A message: its header (length, request id, reply-to, op code) and {@code body}. */
  static byte[] message(int opCode, byte[]... body) {
    ByteArrayOutputStream rest = new ByteArrayOutputStream();
    for (byte[] part : body) {
      rest.writeBytes(part);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(int32(16 + rest.size()));
    out.writeBytes(int32(7));
    out.writeBytes(int32(0));
    out.writeBytes(int32(opCode));
    out.writeBytes(rest.toByteArray());
    return out.toByteArray();
  }

  /** An OP_MSG with one body section. */
  static byte[] msg(byte[] body) {
    return message(OP_MSG, int32(0), new byte[] {0}, body);
  }

  /** {@code {"s": <a string claiming claimed bytes>}} with only {@code real} bytes there. */
  static byte[] claimingString(int claimed, int real) {
    ByteArrayOutputStream elements = new ByteArrayOutputStream();
    elements.write(0x02);
    elements.writeBytes("s\0".getBytes(StandardCharsets.UTF_8));
    elements.writeBytes(int32(claimed));
    elements.writeBytes(new byte[real]);
    return document(elements.toByteArray());
  }

  static byte[] document(byte[] elements) {
    ByteArrayOutputStream doc = new ByteArrayOutputStream();
    doc.writeBytes(int32(4 + elements.length + 1));
    doc.writeBytes(elements);
    doc.write(0);
    return doc.toByteArray();
  }

  /** Documents nested {@code depth} deep: {"a":{"a":…{}}}. */
  static byte[] nested(int depth) {
    byte[] inner = document(new byte[0]);
    for (int i = 1; i < depth; i++) {
      ByteArrayOutputStream e = new ByteArrayOutputStream();
      e.write(0x03);
      e.writeBytes("a\0".getBytes(StandardCharsets.UTF_8));
      e.writeBytes(inner);
      inner = document(e.toByteArray());
    }
    return inner;
  }

  static String problem(byte[] message) {
    ByteBuf buf = Unpooled.buffer();
    buf.writeBytes(new byte[] {9, 9, 9}); // (read where the message starts, not at 0)
    buf.writeBytes(message);
    buf.readerIndex(3);
    String problem = WireCheck.problem(buf, 3, message.length);
    assertThat(buf.readerIndex()).isEqualTo(3);
    return problem;
  }

  private static final BsonDocument INSERT =
      new BsonDocument("insert", new BsonString("job_runs"))
          .append("$db", new BsonString("jobline"))
          .append("n", new BsonInt32(1))
          .append("bin", new BsonBinary(new byte[] {1, 2, 3}));

  @Test
  void messagesAsDriversSendThemPass() {
    assertThat(problem(msg(bson(INSERT)))).isNull();
    // a body and a document sequence of two documents
    byte[] docs = concat(bson(new BsonDocument("_id", new BsonInt32(1))), bson(INSERT));
    byte[] id = "documents\0".getBytes(StandardCharsets.UTF_8);
    byte[] sequence = concat(new byte[] {1}, int32(4 + id.length + docs.length), id, docs);
    assertThat(problem(message(OP_MSG, int32(0), new byte[] {0}, bson(INSERT), sequence))).isNull();
    // the legacy query the driver opens a connection with
    assertThat(problem(query(bson(new BsonDocument("isMaster", new BsonInt32(1)))))).isNull();
    assertThat(problem(msg(nested(WireCheck.MAX_DEPTH)))).isNull();
  }

  @Test
  void aStringOrBinaryClaimingMoreThanIsThereIsRefusedBeforeAnythingIsAllocated() {
    assertThat(problem(msg(claimingString(0x7FFF_FFF0, 8)))).startsWith("a string of 2147483632");
    assertThat(problem(msg(claimingString(-5, 8)))).startsWith("a string of -5");
    assertThat(problem(msg(claimingString(0, 8)))).startsWith("a string of 0");
    ByteArrayOutputStream binary = new ByteArrayOutputStream();
    binary.write(0x05);
    binary.writeBytes("b\0".getBytes(StandardCharsets.UTF_8));
    binary.writeBytes(int32(1 << 30));
    binary.write(0);
    binary.writeBytes(new byte[16]);
    assertThat(problem(msg(document(binary.toByteArray())))).startsWith("a binary of 1073741824");
  }

  @Test
  void lengthsThatDoNotHoldAreRefusedNamingWhat() {
    byte[] body = bson(INSERT);
    byte[] longer = body.clone();
    System.arraycopy(int32(body.length + 100), 0, longer, 0, 4);
    assertThat(problem(msg(longer))).startsWith("a document of " + (body.length + 100));
    byte[] unterminated = body.clone();
    unterminated[unterminated.length - 1] = 1;
    assertThat(problem(msg(unterminated))).isEqualTo("a document without its terminating NUL");
    assertThat(problem(msg(nested(WireCheck.MAX_DEPTH + 1))))
        .isEqualTo("documents nested more than 200 deep");
    assertThat(problem(message(OP_MSG, int32(0), new byte[] {2}, body)))
        .isEqualTo("a section of kind 2");
    // found by review: the library reads one document of a sequence whatever its size says, here
    // from the body after it, whose double's bytes it then read as a string claiming 2 GB
    byte[] empty = concat(new byte[] {1}, int32(6), "a\0".getBytes(StandardCharsets.UTF_8));
    byte[] sly =
        concat(
            int32(27),
            new byte[] {0x01},
            "AAAA\0".getBytes(StandardCharsets.UTF_8),
            new byte[] {0x00, 0x10, 0x00, 0x00, 0x02, 0x78, 0x00, (byte) 0xFF},
            new byte[] {0x10},
            "z\u007F\0".getBytes(StandardCharsets.UTF_8),
            int32(1),
            new byte[] {0});
    assertThat(problem(message(OP_MSG, int32(0), empty, new byte[] {0}, sly)))
        .isEqualTo("a document sequence without a document");
    assertThat(problem(message(OP_MSG, int32(1), new byte[] {0}, body)))
        .as("a checksum announced and not there")
        .isNotNull();
    byte[] unknownType =
        document(concat(new byte[] {0x20}, "x\0".getBytes(StandardCharsets.UTF_8)));
    assertThat(problem(msg(unknownType))).isEqualTo("an element of unknown type 32");
    byte[] nameWithoutEnd =
        document(concat(new byte[] {0x10}, "xyz".getBytes(StandardCharsets.UTF_8)));
    assertThat(problem(msg(nameWithoutEnd))).isNotNull();
    assertThat(problem(new byte[] {12, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0}))
        .isEqualTo("a message of 12 bytes, shorter than its header");
    assertThat(problem(query(body, body, new byte[] {1, 2})))
        .as("bytes after the query and its fields")
        .isNotNull();
  }

  /** A legacy query of {@code admin.$cmd} (as a driver opens a connection) with {@code rest}. */
  static byte[] query(byte[]... rest) {
    return message(
        OP_QUERY,
        concat(int32(0), "admin.$cmd\0".getBytes(StandardCharsets.UTF_8), int32(0), int32(-1)),
        concat(rest));
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : List.of(parts)) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
