package io.jobline.builtins.cleanup;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Projections;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bson.Document;
import org.bson.conversions.Bson;

/**
 * Deletes the executor's old claims ({@code job_claims}) an attempt at a time: all of an attempt's
 * claims once every one of them is old, none while a later epoch of it still holds the run or ended
 * it lately.
 *
 * <p>Each epoch of an attempt's claim is its own document ({@code key#1}, {@code key#2}, …, and
 * {@code key#done} once it ended), and the executor's claim store finds an attempt's current epoch
 * by reading {@value #PROBE} epochs at a time, past a gap of fewer than that. A released epoch is
 * dated 1970, so deleting old claims one by one deleted the released epochs of a run handed over
 * many times while its latest still held it: with eight or more gone, the next hand-over found no
 * claim, took epoch 1 again and ran the attempt a second time beside its holder, which no later
 * epoch fenced (found by review). Deleting whole attempts leaves no gap.
 *
 * <p>What it does not close: an attempt whose every claim is old (past the retention) claimed again
 * between the read here and the delete, which would need a copy of its request redelivered that
 * long after.
 */
final class OldClaims {
  private static final int PROBE = RunHistoryCleanup.CLAIMS_PROBE;

  private final MongoCollection<Document> claims;
  private final Bson old;
  private final Date before;

  OldClaims(MongoCollection<Document> claims, Date before) {
    this.claims = claims;
    this.before = before;
    this.old = Filters.or(Filters.lt("expires_at", before), Filters.lt("ended_at", before));
  }

  /**
   * Deletes the claims of the attempts whose claims are all old.
   *
   * @return how many claims it deleted
   */
  long delete() {
    Map<String, List<String>> oldByAttempt = new LinkedHashMap<>();
    for (Document d : claims.find(old).projection(Projections.include("_id"))) {
      if (d.get("_id") instanceof String id && id.lastIndexOf('#') > 0) {
        oldByAttempt
            .computeIfAbsent(id.substring(0, id.lastIndexOf('#')), k -> new ArrayList<>())
            .add(id);
      }
    }
    long deleted = 0;
    for (Map.Entry<String, List<String>> attempt : oldByAttempt.entrySet()) {
      if (!heldOrEndedLately(attempt.getKey(), highestEpoch(attempt.getValue()))) {
        deleted +=
            claims
                .deleteMany(Filters.and(Filters.in("_id", attempt.getValue()), old))
                .getDeletedCount();
      }
    }
    return deleted;
  }

  /**
   * Whether the attempt has a claim that is not old: its end, or an epoch above {@code from} (read
   * as the claim store reads them, {@value #PROBE} at a time, on while a read finds one).
   */
  private boolean heldOrEndedLately(String key, long from) {
    boolean first = true;
    while (true) {
      List<String> ids = new ArrayList<>(PROBE + 1);
      if (first) {
        ids.add(key + "#done");
      }
      for (long e = from + 1; e <= from + PROBE; e++) {
        ids.add(key + "#" + e);
      }
      long highest = from;
      for (Document d : claims.find(Filters.in("_id", ids))) {
        if (!isOld(d)) {
          return true;
        }
        highest = Math.max(highest, epochOf(d.getString("_id")));
      }
      if (highest == from) {
        return false;
      }
      from = highest;
      first = false;
    }
  }

  private boolean isOld(Document claim) {
    return claim.get("expires_at") instanceof Date expires && expires.before(before)
        || claim.get("ended_at") instanceof Date ended && ended.before(before);
  }

  private static long highestEpoch(List<String> ids) {
    long highest = 0;
    for (String id : ids) {
      highest = Math.max(highest, epochOf(id));
    }
    return highest;
  }

  /** The epoch a claim's id names, or 0 (its end, or an id the executor did not write). */
  private static long epochOf(String id) {
    try {
      return Math.max(0, Long.parseLong(id.substring(id.lastIndexOf('#') + 1)));
    } catch (NumberFormatException notAnEpoch) {
      return 0;
    }
  }
}
