package io.jobline.builtins.cleanup;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Projections;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bson.Document;
import org.bson.conversions.Bson;

/**
 * Deletes the executor's old claims ({@code job_claims}) an attempt at a time: all of an attempt's
 * claims once every one of them is old, none while any of them is not (a later epoch holds the run,
 * or one lapsed, was released or ended within the retention).
 *
 * <p>Each epoch of an attempt's claim is its own document ({@code key#1}, {@code key#2}, …, and
 * {@code key#done} once it ended), and the executor's claim store finds an attempt's current epoch
 * by reading {@value RunHistoryCleanup#CLAIMS_PROBE} epochs at a time, past a gap of fewer than
 * that. A released epoch's lease is dated 1970, so deleting old claims one by one deleted the
 * released epochs of a run handed over many times while its latest still held it: with eight or
 * more gone, the next hand-over found no claim, took epoch 1 again and ran the attempt a second
 * time beside its holder, which no later epoch fenced (found by review). Deleting whole attempts
 * leaves no gap. A released epoch is old only once its release ({@code released_at}, written since)
 * is, so an attempt handed over lately is not deleted while its next owner claims it (an executor
 * of an earlier version releases without it: during a rolling upgrade such a release counts as
 * old).
 *
 * <p>What it does not close: an attempt whose every claim is old claimed again between the reads
 * here and the delete, which needs a copy of its request redelivered that long after its last
 * claim.
 */
final class OldClaims {
  /** Ids per delete command. */
  private static final int IDS_PER_DELETE = 1000;

  private final MongoCollection<Document> claims;
  private final Bson old;

  OldClaims(MongoCollection<Document> claims, Date before) {
    this.claims = claims;
    this.old =
        Filters.and(
            Filters.or(Filters.lt("expires_at", before), Filters.lt("ended_at", before)),
            Filters.or(Filters.exists("released_at", false), Filters.lt("released_at", before)));
  }

  /**
   * Deletes the claims of the attempts whose claims are all old.
   *
   * @return how many claims it deleted
   */
  long delete() {
    Map<String, List<String>> oldByAttempt = new LinkedHashMap<>();
    for (Document d : claims.find(old).projection(Projections.include("_id"))) {
      String attempt = attemptOf(d);
      if (attempt != null) {
        oldByAttempt.computeIfAbsent(attempt, k -> new ArrayList<>()).add((String) d.get("_id"));
      }
    }
    if (oldByAttempt.isEmpty()) {
      return 0;
    }
    // (one read of the claims that are not old: those of runs going on, or handed over or ended
    // within the retention; by _id only, as the executor's claims have no other index)
    Set<String> notAllOld = new HashSet<>();
    for (Document d : claims.find(Filters.nor(old)).projection(Projections.include("_id"))) {
      String attempt = attemptOf(d);
      if (attempt != null) {
        notAllOld.add(attempt);
      }
    }
    List<String> ids = new ArrayList<>();
    oldByAttempt.forEach(
        (attempt, its) -> {
          if (!notAllOld.contains(attempt)) {
            ids.addAll(its);
          }
        });
    long deleted = 0;
    for (int from = 0; from < ids.size(); from += IDS_PER_DELETE) {
      List<String> part = ids.subList(from, Math.min(ids.size(), from + IDS_PER_DELETE));
      deleted += claims.deleteMany(Filters.and(Filters.in("_id", part), old)).getDeletedCount();
    }
    return deleted;
  }

  /**
   * The attempt a claim is of ({@code key} of {@code key#…}), or null if the executor wrote no such
   * id.
   */
  private static String attemptOf(Document claim) {
    return claim.get("_id") instanceof String id && id.lastIndexOf('#') > 0
        ? id.substring(0, id.lastIndexOf('#'))
        : null;
  }
}
