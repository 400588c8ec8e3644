package io.jobline.embedded;

import io.netty.buffer.ByteBuf;

/**
 * Checks a whole Mongo-wire message before the library decodes it: every length it claims — of a
 * string, a binary, a document, a section — lies within the bytes that are there, and documents
 * nest at most {@value #MAX_DEPTH} deep. The library allocates what a string or binary claims
 * before it reads it (a string claiming 2 GB in a 40-byte message was a 2 GB array: an {@code
 * OutOfMemoryError} in the JVM that runs every role, which {@code -XX:+ExitOnOutOfMemoryError} in
 * the image turns into its end), and reads nested documents by recursion (a message of a few
 * megabytes of nesting overflowed its stack). Found by review; any process on the machine may send
 * one to the store's port.
 *
 * <p>Only {@code OP_MSG} and {@code OP_QUERY} are read (the library refuses every other op code
 * itself). Types are checked by their sizes only: what the library cannot take it refuses as
 * before, with an error reply.
 */
final class WireCheck {
  /** Twice MongoDB's nesting limit for stored documents. */
  static final int MAX_DEPTH = 200;

  private static final int HEADER_BYTES = 16;
  private static final int OP_QUERY = 2004;
  private static final int OP_MSG = 2013;
  private static final int CHECKSUM_PRESENT = 1;

  private WireCheck() {}

  /** Why a message is malformed. */
  private static final class Malformed extends Exception {
    Malformed(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * What is wrong with the message of {@code length} bytes at {@code start} of {@code buf} (header
   * included), or null if its lengths hold. Reads without moving the buffer's indexes.
   */
  static String problem(ByteBuf buf, int start, int length) {
    try {
      check(buf, start, length);
      return null;
    } catch (Malformed e) {
      return e.getMessage();
    }
  }

  private static void check(ByteBuf b, int start, int length) throws Malformed {
    if (length < HEADER_BYTES) {
      throw new Malformed("a message of " + length + " bytes, shorter than its header");
    }
    int end = start + length;
    int opCode = b.getIntLE(start + 12);
    int p = start + HEADER_BYTES;
    if (opCode == OP_MSG) {
      p = fixed(p, 4, end);
      int flags = b.getIntLE(p - 4);
      int sectionsEnd = (flags & CHECKSUM_PRESENT) != 0 ? end - 4 : end;
      if (sectionsEnd < p) {
        throw new Malformed("no room for the checksum its flags announce");
      }
      while (p < sectionsEnd) {
        byte kind = b.getByte(p++);
        if (kind == 0) {
          p = document(b, p, sectionsEnd, 0);
        } else if (kind == 1) {
          int size = int32(b, p, sectionsEnd);
          if (size < 4 || size > sectionsEnd - p) {
            throw new Malformed("a document sequence of " + size + " bytes");
          }
          int sectionEnd = p + size;
          p = cstring(b, p + 4, sectionEnd);
          if (p == sectionEnd) {
            // the library reads one document whatever the size says: from the bytes after it,
            // which this check read otherwise (found by review)
            throw new Malformed("a document sequence without a document");
          }
          while (p < sectionEnd) {
            p = document(b, p, sectionEnd, 0);
          }
        } else {
          throw new Malformed("a section of kind " + kind);
        }
      }
    } else if (opCode == OP_QUERY) {
      p = fixed(p, 4, end); // flags
      p = cstring(b, p, end);
      p = fixed(p, 8, end); // to skip, to return
      p = document(b, p, end, 0);
      if (p < end) {
        p = document(b, p, end, 0); // the fields to return
      }
      if (p != end) {
        throw new Malformed((end - p) + " bytes after the query");
      }
    }
  }

  /** Checks the document at {@code p}, within {@code limit}; returns where it ends. */
  private static int document(ByteBuf b, int p, int limit, int depth) throws Malformed {
    if (depth >= MAX_DEPTH) {
      throw new Malformed("documents nested more than " + MAX_DEPTH + " deep");
    }
    int size = int32(b, p, limit);
    if (size < 5 || size > limit - p) {
      throw new Malformed("a document of " + size + " bytes where " + (limit - p) + " are left");
    }
    int last = p + size - 1; // its terminating NUL
    if (b.getByte(last) != 0) {
      throw new Malformed("a document without its terminating NUL");
    }
    int q = p + 4;
    while (q < last) {
      byte type = b.getByte(q++);
      q = cstring(b, q, last);
      q = value(b, type, q, last, depth);
    }
    if (q != last) {
      throw new Malformed("an element running past the end of its document");
    }
    return p + size;
  }

  private static int value(ByteBuf b, byte type, int q, int limit, int depth) throws Malformed {
    return switch (type) {
      case 0x01, 0x09, 0x11, 0x12 -> fixed(q, 8, limit); // double, date, timestamp, int64
      case 0x02, 0x0D, 0x0E -> string(b, q, limit); // string, code, symbol
      case 0x03, 0x04 -> document(b, q, limit, depth + 1); // document, array
      case 0x05 -> { // binary: length, subtype, bytes
        int size = int32(b, q, limit);
        if (size < 0 || size > limit - q - 5) {
          throw new Malformed(
              "a binary of " + size + " bytes where " + (limit - q - 5) + " are left");
        }
        yield q + 5 + size;
      }
      case 0x06, 0x0A, 0x7F, (byte) 0xFF -> q; // undefined, null, max key, min key
      case 0x07 -> fixed(q, 12, limit); // object id
      case 0x08 -> fixed(q, 1, limit); // boolean
      case 0x0B -> cstring(b, cstring(b, q, limit), limit); // regular expression and options
      case 0x0C -> fixed(string(b, q, limit), 12, limit); // DB pointer
      case 0x0F -> { // code with scope: its size, the code, the scope
        int size = int32(b, q, limit);
        if (size < 14 || size > limit - q) {
          throw new Malformed("code with scope of " + size + " bytes");
        }
        int end = q + size;
        if (document(b, string(b, q + 4, end), end, depth + 1) != end) {
          throw new Malformed("code with scope whose parts do not fill it");
        }
        yield end;
      }
      case 0x10 -> fixed(q, 4, limit); // int32
      case 0x13 -> fixed(q, 16, limit); // decimal128
      default -> throw new Malformed("an element of unknown type " + type);
    };
  }

  private static int string(ByteBuf b, int q, int limit) throws Malformed {
    int size = int32(b, q, limit);
    if (size < 1 || size > limit - q - 4) {
      throw new Malformed("a string of " + size + " bytes where " + (limit - q - 4) + " are left");
    }
    int end = q + 4 + size;
    if (b.getByte(end - 1) != 0) {
      throw new Malformed("a string without its terminating NUL");
    }
    return end;
  }

  private static int cstring(ByteBuf b, int q, int limit) throws Malformed {
    int nul = q < limit ? b.indexOf(q, limit, (byte) 0) : -1;
    if (nul < 0) {
      throw new Malformed("a name without its terminating NUL");
    }
    return nul + 1;
  }

  private static int int32(ByteBuf b, int q, int limit) throws Malformed {
    fixed(q, 4, limit);
    return b.getIntLE(q);
  }

  private static int fixed(int q, int size, int limit) throws Malformed {
    if (limit - q < size) {
      throw new Malformed("a value of " + size + " bytes where " + (limit - q) + " are left");
    }
    return q + size;
  }
}
