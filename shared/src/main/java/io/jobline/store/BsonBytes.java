package io.jobline.store;

import java.util.Arrays;
import org.bson.BsonSerializationException;

/**
 * A BSON document written into a byte array, the bytes the driver's {@code BsonBinaryWriter} writes
 * for the same calls (its UTF-8 of strings and names included, an unpaired surrogate too, and its
 * refusal of a name holding NUL), without its checks of state and its buffer's checks per byte,
 * which took most of {@link RunRecordBson}'s time in a CPU profile. Elements are written with their
 * names; an array's are its indexes ({@link #index}).
 */
final class BsonBytes {
  private byte[] buf = new byte[512];
  private int pos;

  /** Where each open document or array began (its length is written there when it ends). */
  private int[] open = new int[16];

  private int depth;

  /** Starts the top-level document. */
  BsonBytes start() {
    begin();
    return this;
  }

  void startDocument(String name) {
    head((byte) 0x03, name);
    begin();
  }

  void startArray(String name) {
    head((byte) 0x04, name);
    begin();
  }

  /** Ends the innermost open document or array. */
  void end() {
    put((byte) 0);
    int start = open[--depth];
    int32At(start, pos - start);
  }

  void string(String name, String value) {
    head((byte) 0x02, name);
    int lengthAt = pos;
    int32(0);
    int32At(lengthAt, characters(value, false));
  }

  /** Writes {@code v} over the four bytes at {@code at} (a length once known). */
  private void int32At(int at, int v) {
    buf[at] = (byte) v;
    buf[at + 1] = (byte) (v >>> 8);
    buf[at + 2] = (byte) (v >>> 16);
    buf[at + 3] = (byte) (v >>> 24);
  }

  void int32(String name, int value) {
    head((byte) 0x10, name);
    int32(value);
  }

  void int64(String name, long value) {
    head((byte) 0x12, name);
    int64(value);
  }

  void dbl(String name, double value) {
    head((byte) 0x01, name);
    int64(Double.doubleToRawLongBits(value));
  }

  void bool(String name, boolean value) {
    head((byte) 0x08, name);
    put((byte) (value ? 1 : 0));
  }

  void dateTime(String name, long millis) {
    head((byte) 0x09, name);
    int64(millis);
  }

  void nul(String name) {
    head((byte) 0x0A, name);
  }

  /** The bytes written (the top-level document ended). */
  byte[] bytes() {
    return Arrays.copyOf(buf, pos);
  }

  private static final String[] INDEXES = new String[64];

  static {
    for (int i = 0; i < INDEXES.length; i++) {
      INDEXES[i] = Integer.toString(i);
    }
  }

  /** The name of an array's element {@code i}. */
  static String index(int i) {
    return i < INDEXES.length ? INDEXES[i] : Integer.toString(i);
  }

  private void begin() {
    if (depth == open.length) {
      open = Arrays.copyOf(open, depth * 2);
    }
    open[depth++] = pos;
    int32(0);
  }

  private void head(byte type, String name) {
    put(type);
    characters(name, true);
  }

  private void int32(int v) {
    room(4);
    buf[pos++] = (byte) v;
    buf[pos++] = (byte) (v >>> 8);
    buf[pos++] = (byte) (v >>> 16);
    buf[pos++] = (byte) (v >>> 24);
  }

  private void int64(long v) {
    room(8);
    for (int i = 0; i < 8; i++) {
      buf[pos++] = (byte) (v >>> (8 * i));
    }
  }

  private void put(byte b) {
    room(1);
    buf[pos++] = b;
  }

  /**
   * The string's code points in UTF-8 and a NUL, as the driver writes them (a lone surrogate as its
   * three bytes); the count of bytes written. A name may hold no NUL.
   */
  private int characters(String s, boolean name) {
    int len = s.length();
    room(len * 3 + 1);
    int start = pos;
    for (int i = 0; i < len; ) {
      int c = s.charAt(i);
      if (c < 0x80) {
        if (c == 0 && name) {
          throw new BsonSerializationException(
              String.format(
                  "BSON cstring '%s' is not valid because it contains a null character at index %d",
                  s, i));
        }
        buf[pos++] = (byte) c;
        i++;
        continue;
      }
      c = Character.codePointAt(s, i);
      if (c < 0x800) {
        buf[pos++] = (byte) (0xc0 + (c >> 6));
        buf[pos++] = (byte) (0x80 + (c & 0x3f));
      } else if (c < 0x10000) {
        buf[pos++] = (byte) (0xe0 + (c >> 12));
        buf[pos++] = (byte) (0x80 + ((c >> 6) & 0x3f));
        buf[pos++] = (byte) (0x80 + (c & 0x3f));
      } else {
        room(1); // four bytes from two chars: one more than the room taken for them
        buf[pos++] = (byte) (0xf0 + (c >> 18));
        buf[pos++] = (byte) (0x80 + ((c >> 12) & 0x3f));
        buf[pos++] = (byte) (0x80 + ((c >> 6) & 0x3f));
        buf[pos++] = (byte) (0x80 + (c & 0x3f));
      }
      i += Character.charCount(c);
    }
    buf[pos++] = 0;
    return pos - start;
  }

  private void room(int n) {
    if (pos + n > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
    }
  }
}
