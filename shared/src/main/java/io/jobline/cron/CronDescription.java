package io.jobline.cron;

import java.time.Month;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.function.IntFunction;

/** Turns a parsed expression into a sentence a person checks at a glance. */
final class CronDescription {
  private CronDescription() {}

  static String of(BitSet[] allowed, ZoneId zone) {
    StringBuilder s = new StringBuilder(time(allowed));
    // (a field that allows every value says nothing, however it is written: `*/1`, `1-31`)
    String dom =
        allowed[2].cardinality() == 31
            ? null
            : "on day " + list(allowed[2], 1, 31, Integer::toString) + " of the month";
    String dow =
        allowed[4].cardinality() == 7
            ? null
            : "on " + list(allowed[4], 0, 6, CronSchedule::dayName);
    if (dom != null && dow != null) {
      s.append(", ").append(dom).append(" or ").append(dow);
    } else if (dom != null) {
      s.append(", ").append(dom);
    } else if (dow != null) {
      s.append(", ").append(dow);
    }
    if (allowed[3].cardinality() != 12) {
      s.append(", in ").append(list(allowed[3], 1, 12, m -> title(Month.of(m).name())));
    }
    s.append(" (").append(zone.getId()).append(" time");
    if (dow != null) {
      s.append("; day-of-week 0 = Monday … 6 = Sunday");
    }
    return s.append(')').toString();
  }

  private static String time(BitSet[] allowed) {
    boolean everyMinute = allowed[0].cardinality() == 60;
    boolean everyHour = allowed[1].cardinality() == 24;
    if (everyMinute && everyHour) {
      return "Every minute";
    }
    if (allowed[0].cardinality() == 1 && allowed[1].cardinality() <= 4 && !everyHour) {
      List<String> times = new ArrayList<>();
      int m = allowed[0].nextSetBit(0);
      for (int h = allowed[1].nextSetBit(0); h >= 0; h = allowed[1].nextSetBit(h + 1)) {
        times.add(String.format("%02d:%02d", h, m));
      }
      return "At " + String.join(", ", times);
    }
    String minutes =
        everyMinute ? "every minute" : "at minute " + list(allowed[0], 0, 59, Integer::toString);
    String hours =
        everyHour ? "of every hour" : "past hour " + list(allowed[1], 0, 23, Integer::toString);
    return Character.toUpperCase(minutes.charAt(0)) + minutes.substring(1) + " " + hours;
  }

  /** "1, 3 and 5", "1 through 5", or "every 15th from 0" for a regular step. */
  private static String list(BitSet bits, int min, int max, IntFunction<String> name) {
    List<Integer> values = new ArrayList<>();
    for (int v = bits.nextSetBit(min); v >= 0 && v <= max; v = bits.nextSetBit(v + 1)) {
      values.add(v);
    }
    if (values.size() > 2 && contiguous(values)) {
      return name.apply(values.get(0)) + " through " + name.apply(values.get(values.size() - 1));
    }
    if (values.size() > 3) {
      int step = values.get(1) - values.get(0);
      boolean regular = true;
      for (int i = 2; i < values.size(); i++) {
        regular &= values.get(i) - values.get(i - 1) == step;
      }
      if (regular) {
        return "every "
            + step
            + " from "
            + name.apply(values.get(0))
            + " to "
            + name.apply(values.get(values.size() - 1));
      }
    }
    List<String> names = values.stream().map(name::apply).toList();
    if (names.size() == 1) {
      return names.get(0);
    }
    return String.join(", ", names.subList(0, names.size() - 1))
        + " and "
        + names.get(names.size() - 1);
  }

  private static boolean contiguous(List<Integer> values) {
    for (int i = 1; i < values.size(); i++) {
      if (values.get(i) != values.get(i - 1) + 1) {
        return false;
      }
    }
    return true;
  }

  private static String title(String upper) {
    return upper.charAt(0) + upper.substring(1).toLowerCase(Locale.ROOT);
  }
}
