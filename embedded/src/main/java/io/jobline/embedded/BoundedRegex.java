package io.jobline.embedded;

import de.bwaldvogel.mongo.bson.BsonRegularExpression;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.exception.MongoServerError;
import java.util.List;
import java.util.ListIterator;
import java.util.Map;
import java.util.regex.Matcher;

/**
 * A regular expression of one command's filter, matched within a budget of characters read: past
 * {@value #STEPS} reads over all the documents the command matches it against, the command fails
 * with {@code MaxTimeMSExpired} and the store goes on with the next.
 *
 * <p>Why a budget and not only {@link HostileCommands}'s look at the expression: Java's matcher
 * backtracks polynomially through shapes no look can tell from useful ones. Unanchored {@code .*x}
 * reads a 100,000-character value about 5 billion times (ten seconds, measured), {@code .*.*x} a
 * 3,000-character one as many; all under the collection's lock, so every request on it waits (found
 * by review of the look, which let both through). A filter in a real MongoDB has {@code maxTimeMS};
 * this store has no clock in its matcher, so the reads are counted instead: the library's matcher
 * reads the value through {@link Counted}, and every read takes one step.
 *
 * <p>The library matches a regular expression given as a value ({@code {v: /re/}}, in {@code $in},
 * {@code $nin}, {@code $not}, {@code $all}, {@code $elemMatch}) through {@link #matcher}; a {@code
 * {$regex, $options}} document it builds into its own expression, so {@link #bindAll} puts one of
 * these in its place where the document says nothing else. Where the document holds more
 * conditions, the expression stays the library's, looked at by {@link HostileCommands} only.
 */
final class BoundedRegex extends BsonRegularExpression {
  /**
   * Character reads one command's regular expressions may take, over all the documents it matches:
   * about half a second of the store's time on this project's machine, and far more than a scan of
   * a million short values needs.
   */
  static final long STEPS = 100_000_000;

  /** MongoDB's code for an operation stopped at its time limit. */
  private static final int MAX_TIME_EXPIRED = 50;

  private final long steps;
  private long left;

  private BoundedRegex(String pattern, String options, long steps) {
    super(pattern, options);
    this.steps = steps;
    this.left = steps;
  }

  /**
   * Puts a bounded expression in place of every regular expression {@code filter} matches with, at
   * any depth: a BSON regular expression, and a {@code {$regex, $options}} document that holds
   * nothing else. One budget of {@value #STEPS} reads per expression.
   */
  static void bindAll(Object filter) {
    bindAll(filter, STEPS, 0);
  }

  /** As {@link #bindAll(Object)}, with a budget of {@code steps} (for tests). */
  static void bindAll(Object filter, long steps, int depth) {
    if (depth > 200) {
      return; // (the wire check refuses deeper nesting before this)
    }
    if (filter instanceof Document d) {
      for (Map.Entry<String, Object> e : d.entrySet()) {
        Object bound = bound(e.getValue(), steps);
        if (bound != null) {
          e.setValue(bound);
        } else {
          bindAll(e.getValue(), steps, depth + 1);
        }
      }
    } else if (filter instanceof List<?> list) {
      @SuppressWarnings("unchecked")
      ListIterator<Object> items = ((List<Object>) list).listIterator();
      while (items.hasNext()) {
        Object item = items.next();
        Object bound = bound(item, steps);
        if (bound == null) {
          bindAll(item, steps, depth + 1);
        } else {
          try {
            items.set(bound);
          } catch (UnsupportedOperationException fixed) {
            return; // (a list the decoder made unchangeable: its expressions stay the library's)
          }
        }
      }
    }
  }

  /** The bounded expression to match with in place of {@code value}; null when it is none. */
  private static BoundedRegex bound(Object value, long steps) {
    if (value instanceof BoundedRegex) {
      return null;
    }
    if (value instanceof BsonRegularExpression r) {
      return new BoundedRegex(r.getPattern(), r.getOptions(), steps);
    }
    if (value instanceof Document d
        && d.get("$regex") instanceof String pattern
        && (d.size() == 1 || (d.size() == 2 && d.get("$options") instanceof String))) {
      Object options = d.get("$options");
      return new BoundedRegex(pattern, options == null ? "" : (String) options, steps);
    }
    return null;
  }

  @Override
  public Matcher matcher(String value) {
    return super.matcher(value).reset(new Counted(value));
  }

  private MongoServerError spent() {
    String pattern = getPattern();
    return new MongoServerError(
        MAX_TIME_EXPIRED,
        "MaxTimeMSExpired",
        "regular expression '"
            + (pattern.length() > 80 ? pattern.substring(0, 80) + "…" : pattern)
            + "' was stopped: it read the values it matched more than "
            + steps
            + " times, which would hold the collection for every other request; anchor it (^) or"
            + " narrow the filter");
  }

  /** A value as the matcher reads it, one step per character read. */
  private final class Counted implements CharSequence {
    private final String value;

    Counted(String value) {
      this.value = value;
    }

    @Override
    public int length() {
      return value.length();
    }

    @Override
    public char charAt(int index) {
      if (--left < 0) {
        throw spent();
      }
      return value.charAt(index);
    }

    @Override
    public CharSequence subSequence(int start, int end) {
      return value.subSequence(start, end);
    }

    @Override
    public String toString() {
      return value;
    }
  }
}
