package io.jobline.embedded;

import de.bwaldvogel.mongo.bson.BsonRegularExpression;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.exception.ErrorCode;
import de.bwaldvogel.mongo.exception.MongoServerError;
import java.util.ArrayList;
import java.util.List;
import java.util.ListIterator;
import java.util.Map;
import java.util.regex.Matcher;

/**
 * A regular expression of one command, matched within the command's budget of characters read: past
 * {@value #STEPS} reads, over all its expressions and all the documents they are matched against,
 * the command fails with {@code MaxTimeMSExpired} and the store goes on with the next.
 *
 * <p>Why a budget and not only {@link HostileCommands}'s look at each expression: Java's matcher
 * backtracks polynomially through shapes no look can tell from useful ones. Unanchored {@code .*x}
 * reads a 100,000-character value about 5 billion times (ten seconds, measured), {@code .*.*x} a
 * 3,000-character one as many; all under the collection's lock, so every request on it waits (found
 * by review of the look, which let both through). A filter in a real MongoDB has {@code maxTimeMS};
 * this store has no clock in its matcher, so the reads are counted instead: the library's matcher
 * reads the value through {@link Counted}, and every read takes one step.
 *
 * <p>The library matches a regular expression given as a value ({@code {v: /re/}}, in {@code $in},
 * {@code $nin}, {@code $not}, {@code $all}, {@code $elemMatch}, {@code $pull}, array filters)
 * through {@link #matcher}; a {@code {$regex, $options}} document it builds into an expression of
 * its own, so {@link #bindAll} puts one of these in its place. What it cannot put one in the place
 * of is refused, so that no expression is matched unbounded (found by review of the first form,
 * which left these to the library): a {@code $regex} beside other conditions ({@code {$regex: "a",
 * $ne: "b"}}: give them in an {@code $and}), a {@code $regex} right under a projection's {@code
 * $elemMatch}, and any expression in an upsert's filter (the library stores an expression given as
 * a value in the document it inserts, where MongoDB stores nothing of it).
 */
final class BoundedRegex extends BsonRegularExpression {
  /**
   * Character reads one command's regular expressions may take, over all the documents they are
   * matched against: about half a second of the store's time on this project's machine, and far
   * more than a scan of a million short values needs.
   */
  static final long STEPS = 100_000_000;

  /** MongoDB's code for an operation stopped at its time limit. */
  private static final int MAX_TIME_EXPIRED = 50;

  /** The reads left to one command's expressions, all of them together. */
  static final class Budget {
    private final long steps;
    private long left;

    Budget(long steps) {
      this.steps = steps;
      this.left = steps;
    }
  }

  private final Budget budget;

  private BoundedRegex(String pattern, String options, Budget budget) {
    super(pattern, options);
    this.budget = budget;
  }

  /**
   * Puts an expression bounded by {@code budget} in place of every regular expression {@code
   * filter} matches with, at any depth.
   *
   * @throws MongoServerError for a {@code $regex} it cannot put one in the place of
   */
  static void bindAll(Object filter, Budget budget) {
    bind(filter, budget, 0);
  }

  /**
   * Binds the {@code $match} stages of a pipeline, nested ones ({@code $facet}, {@code $lookup}).
   */
  static void bindPipeline(Object pipeline, Budget budget, int depth) {
    if (depth > 200) {
      return; // (the wire check refuses deeper nesting before this)
    }
    if (pipeline instanceof Document d) {
      for (Map.Entry<String, Object> e : d.entrySet()) {
        if (e.getKey().equals("$match")) {
          bindAll(e.getValue(), budget);
        } else {
          bindPipeline(e.getValue(), budget, depth + 1);
        }
      }
    } else if (pipeline instanceof List<?> list) {
      for (Object o : list) {
        bindPipeline(o, budget, depth + 1);
      }
    }
  }

  private static void bind(Object filter, Budget budget, int depth) {
    if (depth > 200) {
      return; // (the wire check refuses deeper nesting before this)
    }
    if (filter instanceof Document d) {
      for (Map.Entry<String, Object> e : d.entrySet()) {
        Object value = e.getValue();
        if (value instanceof BsonRegularExpression r) {
          if (!(r instanceof BoundedRegex)) {
            e.setValue(new BoundedRegex(r.getPattern(), r.getOptions(), budget));
          }
        } else if (value instanceof Document operators && operators.containsKey("$regex")) {
          e.setValue(inList(operators, budget));
        } else {
          bind(value, budget, depth + 1);
        }
      }
    } else if (filter instanceof List<?> list) {
      @SuppressWarnings("unchecked")
      ListIterator<Object> items = ((List<Object>) list).listIterator();
      while (items.hasNext()) {
        Object item = items.next();
        if (item instanceof BsonRegularExpression r) {
          // (only an expression itself: MongoDB takes no {$regex} document in a list, and the
          // library matches one there as a value: found by review, $in changed its answer)
          if (!(r instanceof BoundedRegex)) {
            items.set(new BoundedRegex(r.getPattern(), r.getOptions(), budget));
          }
        } else {
          bind(item, budget, depth + 1);
        }
      }
    }
  }

  /**
   * The conditions of a {@code $regex} document with the expression as the one element of an {@code
   * $in} ({@code {$regex: "^a", $ne: "ab"}} as {@code {$in: [/^a/], $ne: "ab"}}), which matches as
   * the {@code $regex} does and which the library matches through {@link #matcher}, wherever the
   * document stands (a field's conditions, {@code $not}, {@code $elemMatch}).
   *
   * @throws MongoServerError when the document has an {@code $in} already, or its {@code $regex} or
   *     {@code $options} are not what MongoDB takes
   */
  private static Document inList(Document operators, Budget budget) {
    Object regex = operators.get("$regex");
    Object options = operators.get("$options");
    BoundedRegex bound;
    if (regex instanceof BsonRegularExpression r && options == null) {
      bound = new BoundedRegex(r.getPattern(), r.getOptions(), budget);
    } else if (regex instanceof String pattern && (options == null || options instanceof String)) {
      bound = new BoundedRegex(pattern, options == null ? "" : (String) options, budget);
    } else {
      throw refused("$regex takes a string (with $options) or a regular expression (without)");
    }
    if (operators.containsKey("$in")) {
      throw refused("a $regex beside an $in; give the two in an $and");
    }
    Document rewritten = new Document();
    rewritten.put("$in", new ArrayList<>(List.of(bound)));
    operators.forEach(
        (key, value) -> {
          if (!key.equals("$regex") && !key.equals("$options")) {
            rewritten.put(key, value);
          }
        });
    return rewritten;
  }

  static MongoServerError refused(String why) {
    return new MongoServerError(
        ErrorCode.BadValue,
        "the embedded store matches every regular expression within a budget of reads, and cannot"
            + " here: "
            + why);
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
            + "' was stopped: the command's expressions read the values they matched more than "
            + budget.steps
            + " times, which would hold the collection for every other request; anchor them (^)"
            + " or narrow the filter");
  }

  /** A value as the matcher reads it, one step of the command's budget per character read. */
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
      if (--budget.left < 0) {
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
